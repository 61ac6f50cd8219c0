import type { FastifyRequest } from 'fastify'

// A signature in a log is a credential in a log: whoever reads it can replay the request
// (without a nonce store). Real clients put it in the query string, which Fastify logs.
const SIGNATURE = /([?&](?:signature|providerSignature)=)[^&#]*/gi

/** The URL with every signature value replaced. */
export function redactUrl (url: string): string {
  return url.replace(SIGNATURE, '$1[redacted]')
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
