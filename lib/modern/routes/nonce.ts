import { currentNonce } from '../../verifier/nonce.js'
import type { TypedInstance } from '../../routes/common.js'
import { paramsRoute } from '../../routes/params-route.js'
import type { ResolvedNodeOptions } from '../options.js'

/** GET nonce: the address's stored nonce, as text (`{"nonce":"5"}`, `"0"` at first), as ocean-node answers it. */
export function nonceRoute (fastify: TypedInstance, options: ResolvedNodeOptions): void {
  paramsRoute(fastify, {
    method: 'GET',
    url: '/nonce',
    schema: options.routes.nonce,
    async handler (params, request) {
      return { nonce: await currentNonce(options.nonceStore, params.userAddress.toLowerCase(), request) }
    }
  })
}
