import { nonceSchema } from '../../schemas/routes.js'
import { currentNonce, type NonceStore } from '../verifier/nonce.js'
import { assertValid, type TypedInstance } from './common.js'

/** GET nonce: the address's current nonce, which a client signs next (or sends one greater than). */
export function nonceRoute (fastify: TypedInstance, store: NonceStore): void {
  fastify.route({
    method: 'GET',
    url: '/nonce',
    schema: nonceSchema,
    attachValidation: true,
    async handler (request, reply) {
      assertValid(request)
      const nonce = await currentNonce(store, request.query.userAddress.toLowerCase(), request)
      // Canonical decimal text is a JSON number as it stands; a Number would round it past 2^53.
      // (The route's types expect the object; a string payload is sent as it is, unserialized.)
      return await reply.type('application/json; charset=utf-8').send(`{"nonce":${nonce}}` as unknown as { nonce: number })
    }
  })
}
