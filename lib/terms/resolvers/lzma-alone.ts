import { createRequire } from 'node:module'

interface LzmaWorker { decompress(bytes: Uint8Array): string | number[] }
// LZMA-JS, the implementation ocean.js 0.9/0.11 compress DDOs with; its decoder is a plain script.
const lzma = (createRequire(import.meta.url)('lzma/src/lzma-d.js') as { LZMA: LzmaWorker }).LZMA

const HEADER = 13

/**
 * The text in `bytes`, an `.lzma` "alone" stream (props, dictionary size, 8-byte
 * length, data), or undefined when it is not one, states no length or a length over
 * `maxBytes` (a bomb), or is not UTF-8. Sync: the length bound keeps it short.
 */
export function decompressAlone (bytes: Uint8Array, maxBytes: number): string | undefined {
  if (bytes.length < HEADER) return undefined
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  const length = view.getBigUint64(5, true)
  if (length > BigInt(maxBytes)) return undefined // also "unknown" (all ones): the decoder would run to an end mark
  // A window larger than the text is never used: shrink it, so that a stream that claims
  // a 4 GiB dictionary costs no more memory than its text.
  const header = bytes.slice(0, HEADER)
  new DataView(header.buffer).setUint32(1, Math.min(view.getUint32(1, true), Math.max(Number(length), 4096)), true)
  try {
    const text = lzma.decompress(Buffer.concat([header, bytes.subarray(HEADER)]))
    return typeof text === 'string' ? text : undefined
  } catch {
    return undefined
  }
}
