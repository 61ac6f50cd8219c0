import { Transform, type Readable } from 'node:stream'
import { RangeNotSatisfiableError } from '../errors.js'

// The one form clients send to resume (ocean.js: `bytes=N-`), and `bytes=N-M`.
const RANGE = /^bytes=(\d{1,15})-(\d{1,15})?$/

/** The byte range a `Range` header asks of a file of `size` bytes (undefined: unknown), or undefined for the whole file. */
export function rangeOf (header: string | undefined, size: number | undefined): { start: number, end: number | undefined } | undefined {
  if (header === undefined) return undefined
  const match = RANGE.exec(header)
  // Another unit or several ranges: the whole file, as RFC 9110 lets a server answer.
  if (match === null) return undefined
  const start = Number(match[1])
  const last = match[2] === undefined ? undefined : Number(match[2])
  if ((last !== undefined && last < start) || (size !== undefined && start >= size)) {
    throw new RangeNotSatisfiableError(`The range ${header} is beyond the file.`)
  }
  return { start, end: size === undefined ? last : Math.min(last ?? size - 1, size - 1) }
}

/** `stream` from byte `start` to byte `end` (inclusive), whatever the operator's stream can seek: the bytes before are read and dropped. */
export function sliced (stream: Readable, start: number, end: number | undefined): Readable {
  let position = 0
  const cut = new Transform({
    transform (chunk: Buffer, _encoding, done) {
      const from = Math.max(start - position, 0)
      const to = end === undefined ? chunk.length : Math.min(chunk.length, end + 1 - position)
      position += chunk.length
      done(null, from < to ? chunk.subarray(from, to) : undefined)
    }
  })
  stream.on('error', err => cut.destroy(err))
  cut.on('close', () => stream.destroy())
  return stream.pipe(cut)
}
