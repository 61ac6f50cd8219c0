// README.md's snippet, as it stands there: type-checked by `npm run typecheck`, matched by test/docs/readme.test.ts.
import { app, operator } from './context.js'
import compute, { personalSignVerifier, defaultCheckSignature } from 'fastify-ocean-compute'

const denied = new Set(['0x…'])
await app.register(compute, {
  operator,
  verifier: personalSignVerifier({
    checkSignature: async check => !denied.has(check.address.toLowerCase()) && await defaultCheckSignature(check)
  })
})
