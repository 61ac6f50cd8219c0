// The current Ocean wire (ocean-node's, which ocean.js 6 to 8 speak) beside the v0.4 one:
// the same operator and datasets under a prefix of their own, which is the node URL a
// current client is given (http://127.0.0.1:8030/node). `npm run example:node-consumer`
// runs a free job on it with the real @oceanprotocol/lib.
import type { FastifyInstance } from 'fastify'
import { oceanNodeCompute, type BuildWorkflow, type ComputeOperator } from 'fastify-ocean-compute'

export const NODE_PREFIX = '/node'

/**
 * Registers the current wire on `app`. The operator is lent as a decorator of its own
 * context: the v0.4 plugin, which was handed it, is the one that closes it. The example's
 * API page documents the v0.4 wire, whose signatures it teaches; this wire's routes carry
 * their OpenAPI schemas too, for a host that documents them (see the README).
 */
export async function registerNodeWire (app: FastifyInstance, operator: ComputeOperator, buildWorkflow: BuildWorkflow, providerAddress: string): Promise<void> {
  await app.register(async wire => {
    wire.addHook('onRoute', route => { route.schema = { ...route.schema, hide: true } })
    wire.decorate('computeOperator', operator)
    await wire.register(oceanNodeCompute, { prefix: NODE_PREFIX, buildWorkflow, providerAddress })
  })
}
