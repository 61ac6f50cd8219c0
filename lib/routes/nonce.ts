import { nonceSchema } from '../../schemas/routes.js'
import type { NonceStore } from '../verifier/nonce.js'
import { assertValid, type TypedInstance } from './common.js'

/** GET nonce: what a client asks before it signs, to pick a greater nonce. */
export function nonceRoute (fastify: TypedInstance, store: NonceStore): void {
  fastify.route({
    method: 'GET',
    url: '/nonce',
    schema: nonceSchema,
    attachValidation: true,
    async handler (request) {
      assertValid(request)
      return { nonce: await store.get(request.query.userAddress.toLowerCase()) }
    }
  })
}
