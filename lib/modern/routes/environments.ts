import type { TypedInstance } from '../../routes/common.js'
import { paramsRoute } from '../../routes/params-route.js'
import { environmentsFor } from '../environments.js'
import type { ResolvedNodeOptions } from '../options.js'

/** GET computeEnvironments: what the operator offers, the same on every chain. */
export function environmentsRoute (fastify: TypedInstance, options: ResolvedNodeOptions): void {
  paramsRoute(fastify, {
    method: 'GET',
    url: '/computeEnvironments',
    schema: options.routes.environments,
    async handler (_params, request, reply) {
      return await environmentsFor(options, request, reply)
    }
  })
}
