import fp from 'fastify-plugin'
import type { FastifyInstance, FastifyPluginAsync } from 'fastify'
import { resolveOptions, type ComputePluginOptions } from './options.js'
import { setUpContext } from './context.js'
import { collaboratorsReady } from './ready.js'
import { typed } from './routes/common.js'
import { startRoute } from './routes/start.js'
import { statusRoute } from './routes/status.js'
import { stopRoute, deleteRoute } from './routes/manage.js'
import { nonceRoute } from './routes/nonce.js'
import { resultRoute } from './routes/result.js'
import type { ComputeOperator } from './operator/types.js'
import type { ComputeVerifier } from './verifier/types.js'
import { recoveryBackend } from './verifier/recover.js'

declare module 'fastify' {
  interface FastifyInstance {
    /** The verifier the compute routes use when the plugin options name none. */
    computeVerifier?: ComputeVerifier
    /** The operator the compute routes use when the plugin options name none. */
    computeOperator?: ComputeOperator
  }
}

const compute: FastifyPluginAsync<ComputePluginOptions> = async function compute (fastify: FastifyInstance, opts) {
  const options = resolveOptions(fastify, opts)
  await collaboratorsReady(options, opts.nonceStore, opts.terms?.orders)
  // Native recovery makes a signed request ~13 times cheaper (npm run bench): say which backend this process got.
  fastify.log.info({ backend: recoveryBackend().name }, 'personal_sign recovery backend')
  if (options.nonceStore === undefined) {
    // Ocean's signed message names no action: without nonces a status poll's signature also stops and deletes.
    fastify.log.warn('fastify-ocean-compute: no nonceStore: every signature can be replayed, for any action (a status signature deletes the job), unless your own verifier checks nonces. Set nonceStore (see Security in the README).')
  }
  if (opts.terms !== undefined && opts.terms.orders === undefined) {
    fastify.log.warn('fastify-ocean-compute: the terms have no `orders` verifier: orders are NOT checked, anyone may start jobs without paying')
  }

  setUpContext(fastify)

  const app = typed(fastify)
  startRoute(app, options)
  statusRoute(app, options)
  stopRoute(app, options)
  deleteRoute(app, options)
  resultRoute(app, options)
  if (options.nonceStore !== undefined) nonceRoute(app, options.nonceStore)

  // The plugin closes an operator handed over in its options; a decorator stays the host's.
  if (options.ownsOperator) {
    fastify.addHook('onClose', async () => { await options.operator.close?.() })
  }
}

export default fp(compute, { name: 'fastify-ocean-compute', fastify: '5.x', encapsulate: true })
