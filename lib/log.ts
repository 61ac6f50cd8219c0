import type { FastifyRequest } from 'fastify'
import { unescape } from 'node:querystring'

// A signature in a log is a credential in a log: whoever reads it can replay the request
// (without a nonce store). Real clients put it in the query string, which Fastify logs.
// Keys are compared decoded (`%73ignature`, `sig%6Eature`, `signature+`, `signature[]`,
// twice-encoded) and with everything but letters dropped: redacting too much costs a log
// line a value, too little leaks a credential.
const SIGNATURE_KEY = /signature/i
// Enough rounds to undo any encoding a parser on the way might undo.
const DECODE_ROUNDS = 3

function decodedKey (key: string): string {
  let decoded = key
  for (let round = 0; round < DECODE_ROUNDS; round++) {
    const next = unescape(decoded.replaceAll('+', ' '))
    if (next === decoded) break
    decoded = next
  }
  return decoded.replace(/[^a-z]/gi, '')
}

function redactPair (pair: string): string {
  const equals = pair.indexOf('=')
  const key = equals === -1 ? pair : pair.slice(0, equals)
  if (!SIGNATURE_KEY.test(decodedKey(key))) return pair
  return `${key}=[redacted]`
}

/** The URL with the value of every query key that decodes to a signature replaced. */
export function redactUrl (url: string): string {
  const query = url.indexOf('?')
  if (query === -1) return url
  return url.slice(0, query + 1) + url.slice(query + 1).split('&').map(redactPair).join('&')
}

/** Fastify's own `req` log serializer, less the signatures. */
export function serializeRequest (request: FastifyRequest) {
  return {
    method: request.method,
    url: redactUrl(request.url),
    version: request.headers['accept-version'],
    host: request.host,
    remoteAddress: request.ip,
    remotePort: request.socket?.remotePort
  }
}
