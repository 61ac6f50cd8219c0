import { InvalidOptionError } from './errors.js'

/** `value`, or `fallback` when it is undefined; anything but a positive safe integer is refused, named `name`. */
export function positiveInteger (name: string, value: unknown, fallback: number): number {
  if (value === undefined) return fallback
  if (!Number.isSafeInteger(value) || (value as number) <= 0) {
    throw new InvalidOptionError(`${name} must be a positive integer, got ${String(value)}`)
  }
  return value as number
}
