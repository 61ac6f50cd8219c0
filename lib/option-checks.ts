import { InvalidOptionError } from './errors.js'

// `value`, or `fallback` when it is undefined; anything but a safe integer of at least `min` is refused, named `name`.
function integerFrom (min: 0 | 1, name: string, value: unknown, fallback: number): number {
  if (value === undefined) return fallback
  if (!Number.isSafeInteger(value) || (value as number) < min) {
    throw new InvalidOptionError(`${name} must be ${min === 1 ? 'a positive integer' : 'a whole number of at least 0'}, got ${String(value)}`)
  }
  return value as number
}

/** `value`, or `fallback` when it is undefined; anything but a positive safe integer is refused, named `name`. */
export function positiveInteger (name: string, value: unknown, fallback: number): number {
  return integerFrom(1, name, value, fallback)
}

/** The same where 0 is allowed (it turns something off). */
export function wholeNumber (name: string, value: unknown, fallback: number): number {
  return integerFrom(0, name, value, fallback)
}

// The longest delay a Node timer takes: a longer one fires after 1 ms, with a warning.
const LONGEST_TIMER = 2 ** 31 - 1

/** A timeout in ms: a positive integer a Node timer can wait, so never more than ~24.8 days. */
export function timeout (name: string, value: unknown, fallback: number): number {
  const ms = positiveInteger(name, value, fallback)
  if (ms > LONGEST_TIMER) {
    throw new InvalidOptionError(`${name} must be at most ${LONGEST_TIMER} ms (the longest a Node timer waits), got ${ms}`)
  }
  return ms
}
