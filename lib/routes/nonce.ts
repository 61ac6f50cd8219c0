import { nonceSchema } from '../../schemas/routes.js'
import { currentNonce, type NonceStore } from '../verifier/nonce.js'
import type { TypedInstance } from './common.js'
import { paramsRoute } from './params-route.js'

/** GET nonce: the address's current nonce, which a client signs next (or sends one greater than). */
export function nonceRoute (fastify: TypedInstance, store: NonceStore): void {
  paramsRoute(fastify, {
    method: 'GET',
    url: '/nonce',
    schema: nonceSchema,
    async handler (params, request, reply) {
      const nonce = await currentNonce(store, params.userAddress.toLowerCase(), request)
      // Canonical decimal text is a JSON number as it stands; a Number would round it past 2^53.
      // A string payload is sent as it is, unserialized.
      return await reply.type('application/json; charset=utf-8').send(`{"nonce":${nonce}}`)
    }
  })
}
