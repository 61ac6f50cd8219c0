import Fastify, { type FastifyInstance } from 'fastify'
import { personalSignVerifier } from '../../lib/index.js'
import { recoveryBackend } from '../../lib/verifier/recover.js'
import { BenchOperator, consumer, DID } from '../operator.js'
import { ADDRESS, URL, pluginServer, query, type Scenario } from '../scenario.js'

const algorithmMeta = { rawcode: 'print(sum(range(10)))', container: { image: 'python', tag: '3.12-slim', entrypoint: 'python $ALGO' } }

/**
 * POST compute as one would write it by hand on bare Fastify: the JSON fields
 * parsed from the query, the signature recovered with the same backend as the
 * plugin's (so that the ratio is the plugin's own cost), the workflow, the operator call.
 */
async function bareStart (): Promise<FastifyInstance> {
  const operator = new BenchOperator()
  const { recover } = recoveryBackend()
  const app = Fastify()
  app.post(URL, async (request, reply) => {
    const q = request.query as Record<string, string | undefined>
    const { consumerAddress, signature, documentId } = q
    if (consumerAddress === undefined || !ADDRESS.test(consumerAddress)) return await reply.code(400).send({ error: 'consumerAddress' })
    let meta: Record<string, unknown>, output: Record<string, unknown>
    try {
      meta = JSON.parse(q.algorithmMeta ?? '{}')
      output = JSON.parse(q.output ?? '{}')
    } catch {
      return await reply.code(400).send({ error: 'JSON' })
    }
    const signer = signature === undefined ? undefined : await recover(consumerAddress + (documentId ?? ''), signature)
    if (signer !== consumerAddress.toLowerCase()) return await reply.code(401).send({ error: 'signature' })
    const workflow = {
      stages: [{
        index: 0,
        input: documentId === undefined ? [] : [{ index: 0, id: documentId, url: [] }],
        compute: { Instances: 1, namespace: 'ocean-compute', maxtime: 3600 },
        algorithm: { ...meta, id: q.algorithmDid ?? '' },
        output
      }]
    }
    return await operator.start({ workflow, owner: consumerAddress, documentId, agreementId: q.transferTxId })
  })
  return app
}

/** Recovery on every request (no cache) on both sides: what is left is the plugin's overhead. */
export const startSigned: Scenario = {
  name: 'start-signed',
  async request () {
    const signature = await consumer.signMessage({ message: consumer.address + DID })
    const params = { consumerAddress: consumer.address, signature, documentId: DID, algorithmMeta: JSON.stringify(algorithmMeta), output: '{}' }
    return { method: 'POST', path: `${URL}?${query(params)}` }
  },
  plugin: async () => await pluginServer({ verifier: personalSignVerifier({ cacheSize: 0 }) }),
  baseline: bareStart
}
