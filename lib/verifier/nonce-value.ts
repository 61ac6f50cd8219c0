// Nonces are decimal text, compared and incremented exactly: a Number would compare
// 2^53 + 1 as 2^53, and clients send millisecond timestamps, with decimals from Python
// (`time() * 1000`). Canonical text (no leading zeros, no trailing zeros after the
// point) makes equal nonces equal strings, which is what stores compare and keep.
const NONCE = /^(\d+)(?:\.(\d+))?$/

/** The canonical text of a nonce, or undefined when `value` is not a non-negative decimal number. */
export function parseNonce (value: unknown): string | undefined {
  const match = typeof value === 'string' ? NONCE.exec(value) : null
  if (match === null) return undefined
  const whole = match[1]!.replace(/^0+(?=\d)/, '')
  const fraction = (match[2] ?? '').replace(/0+$/, '')
  return fraction === '' ? whole : `${whole}.${fraction}`
}

/** `nonce + 1`, exactly, for a canonical nonce. */
export function nextNonce (nonce: string): string {
  const point = nonce.indexOf('.')
  return point === -1 ? String(BigInt(nonce) + 1n) : String(BigInt(nonce.slice(0, point)) + 1n) + nonce.slice(point)
}

/** `a > b` for canonical nonces: more whole digits win, then digit by digit. */
export function nonceGreater (a: string, b: string): boolean {
  const [aWhole, aFraction = ''] = a.split('.') as [string, string?]
  const [bWhole, bFraction = ''] = b.split('.') as [string, string?]
  if (aWhole.length !== bWhole.length) return aWhole.length > bWhole.length
  return aWhole === bWhole ? aFraction > bFraction : aWhole > bWhole
}
