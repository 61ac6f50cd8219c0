import { InvalidParamsError } from '../../errors.js'
import type { TypedInstance } from '../../routes/common.js'
import { authenticate } from '../auth.js'
import { bodyRoute } from '../body-route.js'
import type { ResolvedNodeOptions } from '../options.js'

/**
 * POST auth/token (generateAuthToken): a token for the signer of `createAuthToken` (which
 * spends its nonce), living `tokenLifetime` seconds or until `validUntil` when sooner.
 */
export function tokenRoute (fastify: TypedInstance, options: ResolvedNodeOptions): void {
  bodyRoute(fastify, {
    url: '/auth/token',
    schema: options.routes.token,
    bodyLimit: options.bodyLimit,
    async handler (body, request) {
      const now = Date.now()
      const validUntil = body.validUntil ?? undefined
      if (validUntil !== undefined && validUntil <= now) throw new InvalidParamsError('The validUntil field must be in the future (unix milliseconds).')
      // A token is only ever made for a signature: a token cannot make another.
      const address = await authenticate(options, request, { consumerAddress: body.address, signature: body.signature, nonce: body.nonce }, 'createAuthToken', 'start')
      const lifetimeEnd = now + options.tokenLifetime * 1000
      const end = Math.min(validUntil ?? lifetimeEnd, lifetimeEnd)
      return { token: options.tokens.issue({ address, nonce: body.nonce, createdAt: now, exp: Math.floor(end / 1000) }) }
    }
  })
}
