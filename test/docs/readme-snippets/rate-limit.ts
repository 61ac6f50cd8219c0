// The README's rate-limit snippet imports the example's helpers as './rate-limit.js'.
export * from '../../../examples/rate-limit.js'
