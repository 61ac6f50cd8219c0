import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify'
import { Pool } from 'undici'
import { httpOperator, type ComputeOperator } from '../../lib/index.js'
import { BenchOperator, consumer, DID } from '../operator.js'
import { provider } from '../provider.js'
import { URL, query, type Scenario } from '../scenario.js'

const OPERATOR_PATH = '/api/v1/operator/compute'

/** A bare status route that forwards to the operator-service through `forward`. */
function forwarding (forward: (owner: string, documentId: string, log: FastifyBaseLogger) => Promise<unknown>, onClose: () => Promise<void>): FastifyInstance {
  const app = Fastify()
  app.get(URL, async request => {
    const { consumerAddress, documentId } = request.query as { consumerAddress: string, documentId: string }
    return await forward(consumerAddress, documentId, request.log)
  })
  app.addHook('onClose', onClose)
  return app
}

/**
 * httpOperator against raw undici, to the same operator-service stand-in. Both
 * sides sit behind the same bare route, sign with the same provider account and
 * keep as many connections, so the ratio is the transport's own cost: building
 * the signed call, the pool, the size-bounded read and the safe JSON parse.
 */
export const transport: Scenario = {
  name: 'transport',
  request: async () => ({ method: 'GET', path: `${URL}?${query({ consumerAddress: consumer.address, documentId: DID })}` }),
  async plugin (upstream) {
    const operator: ComputeOperator = httpOperator({ url: upstream!, account: provider })
    // httpOperator reads its context's signal on every call, so the plugin makes one per request.
    return forwarding(async (owner, documentId, log) =>
      await operator.status({ owner, documentId }, { signal: new AbortController().signal, log }), async () => { await operator.close?.() })
  },
  async baseline (upstream) {
    const pool = new Pool(upstream!, { connections: 32 })
    return forwarding(async (owner, documentId) => {
      const providerSignature = await provider.signMessage({ message: provider.address + documentId })
      const search = query({ owner, documentId, providerAddress: provider.address, providerSignature })
      const { body } = await pool.request({ method: 'GET', path: `${OPERATOR_PATH}?${search}` })
      return await body.json()
    }, async () => { await pool.close() })
  },
  /** The operator-service: the bench operator's jobs as JSON. */
  async standIn () {
    const operator = new BenchOperator()
    const app = Fastify()
    app.get(OPERATOR_PATH, async request => {
      const { owner, documentId } = request.query as { owner: string, documentId: string }
      return await operator.status({ owner, documentId })
    })
    return app
  }
}
