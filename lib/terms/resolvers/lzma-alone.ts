const HEADER = 13

/**
 * `bytes`, an `.lzma` "alone" stream (props, dictionary size, 8-byte length, data), made
 * safe to decode within `maxBytes`: undefined when it is not one, states no length or a
 * length over `maxBytes` (a bomb). Checked here, on the caller's thread, so that such a
 * stream never waits for the decoder.
 */
export function boundedAlone (bytes: Uint8Array, maxBytes: number): Uint8Array | undefined {
  if (bytes.length < HEADER) return undefined
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  const length = view.getBigUint64(5, true)
  if (length > BigInt(maxBytes)) return undefined // also "unknown" (all ones): the decoder would run to an end mark
  // A window larger than the text is never used: shrink it, so that a stream that claims
  // a 4 GiB dictionary costs no more memory than its text.
  const stream = Uint8Array.from(bytes)
  new DataView(stream.buffer).setUint32(1, Math.min(view.getUint32(1, true), Math.max(Number(length), 4096)), true)
  return stream
}
