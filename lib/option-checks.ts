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

// A positive integer of `unit` (1000 for seconds) a Node timer can wait, so never more than ~24.8 days.
function timerWait (unit: 1 | 1000, name: string, value: unknown, fallback: number): number {
  const wait = positiveInteger(name, value, fallback)
  const longest = Math.floor(LONGEST_TIMER / unit)
  if (wait > longest) {
    throw new InvalidOptionError(`${name} must be at most ${longest} ${unit === 1 ? 'ms' : 'seconds'} (the longest a Node timer waits), got ${wait}`)
  }
  return wait
}

/** A timeout in ms: a positive integer a Node timer can wait, so never more than ~24.8 days. */
export function timeout (name: string, value: unknown, fallback: number): number {
  return timerWait(1, name, value, fallback)
}

/** A time limit in seconds, bounded as `timeout` is. */
export function timeLimit (name: string, value: unknown, fallback: number): number {
  return timerWait(1000, name, value, fallback)
}
