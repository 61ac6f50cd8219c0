import fp from 'fastify-plugin'
import type { FastifyError, FastifyInstance, FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify'
import { createRequire } from 'node:module'
import { errorHandler } from '../error-handler.js'
import { setUpContext } from '../context.js'
import { collaboratorsReady } from '../ready.js'
import { typed } from '../routes/common.js'
import { discoverySchema } from '../../schemas/modern/routes.js'
import { resolveNodeOptions, type OceanNodeComputeOptions } from './options.js'
import { nonceRoute } from './routes/nonce.js'
import { environmentsRoute } from './routes/environments.js'
import { freeComputeRoute } from './routes/free-compute.js'
import { statusRoute } from './routes/status.js'
import { stopRoute } from './routes/stop.js'
import { resultRoute } from './routes/result.js'
import { tokenRoute } from './routes/token.js'
import { paidRoutes } from './routes/paid.js'
import { logsRoute } from './routes/logs.js'

const { version } = createRequire(import.meta.url)('fastify-ocean-compute/package.json') as { version: string }

/**
 * Each route's name and method as the current clients look them up in the discovery
 * document, with its path relative to the plugin's prefix (ocean.js joins it to the
 * base URL it was given, so the prefix is the base URL). `computeStreamableLogs` is
 * added for an operator that can follow logs.
 */
export const NODE_ENDPOINTS: Readonly<Record<string, [method: string, path: string]>> = Object.freeze({
  nonce: ['GET', 'nonce'],
  computeEnvironments: ['GET', 'computeEnvironments'],
  freeCompute: ['POST', 'freeCompute'],
  computeStatus: ['GET', 'compute'],
  computeStop: ['PUT', 'compute'],
  computeResult: ['GET', 'computeResult'],
  generateAuthToken: ['POST', 'auth/token'],
  computeStart: ['POST', 'compute'],
  initializeCompute: ['POST', 'initializeCompute']
})

// Paid compute answers 501: the client reports its message.
function nodeErrorHandler (err: FastifyError, request: FastifyRequest, reply: FastifyReply) {
  if (err.statusCode === 501) return reply.code(501).send({ error: err.message })
  return errorHandler(err, request, reply)
}

const oceanNodeCompute: FastifyPluginAsync<OceanNodeComputeOptions> = async function oceanNodeCompute (fastify: FastifyInstance, opts) {
  const options = resolveNodeOptions(fastify, opts)
  await collaboratorsReady(options, opts.nonceStore)
  setUpContext(fastify, nodeErrorHandler)

  const app = typed(fastify)
  const streams = options.operator.logs !== undefined
  const endpoints = streams ? { ...NODE_ENDPOINTS, computeStreamableLogs: ['GET', 'computeStreamableLogs'] } : NODE_ENDPOINTS
  // The discovery document: every call of a current client starts with it.
  app.get('/', { schema: discoverySchema }, async () => ({
    providerAddress: options.providerAddress,
    chainIds: options.chainIds,
    software: 'fastify-ocean-compute',
    version,
    serviceEndpoints: endpoints
  }))
  nonceRoute(app, options)
  environmentsRoute(app, options)
  freeComputeRoute(app, options)
  statusRoute(app, options)
  stopRoute(app, options)
  resultRoute(app, options)
  tokenRoute(app, options)
  paidRoutes(app)
  if (streams) logsRoute(app, options)

  if (options.ownsOperator) {
    fastify.addHook('onClose', async () => { await options.operator.close?.() })
  }
}

/**
 * The current Ocean wire (ocean-node 1.x to 3.x, ocean.js 6.x to 8.x) as a Fastify plugin:
 * register it under a prefix of its own, which is then the node URL clients are given.
 */
export default fp(oceanNodeCompute, { name: 'fastify-ocean-compute-node', fastify: '5.x', encapsulate: true })
