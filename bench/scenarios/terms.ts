import Fastify from 'fastify'
import { aquariusResolver, personalSignVerifier } from '../../lib/index.js'
import { pythonJson } from '../../lib/terms/checksums.js'
import { ALGORITHM_DID, ALGORITHM_TOKEN, DATASET_DID, PROVIDER_KEY, algorithm, dataset, trusted } from '../../test/helpers/ddos.js'
import { consumer } from '../operator.js'
import { URL, pluginServer, query, type Scenario } from '../scenario.js'

// The start path's added cost with the data owner's terms on: the same signed start by
// algorithmDid (a trusted algorithm with both checksums, files to decrypt) to the plugin
// with the terms and to the plugin without them. DDOs come from an Aquarius v3 stand-in
// in a process of its own; "warm" keeps them in the DDO cache (the default), "cold" asks
// Aquarius for both DDOs and decrypts both file lists on every start.

const ALGORITHM = algorithm()
const DDOS = new Map([[DATASET_DID, dataset({ privacy: { publisherTrustedAlgorithms: [trusted(ALGORITHM)] } })], [ALGORITHM_DID, ALGORITHM]])

async function request () {
  const signature = await consumer.signMessage({ message: consumer.address + DATASET_DID })
  const params = {
    consumerAddress: consumer.address,
    signature,
    documentId: DATASET_DID,
    serviceId: '1',
    transferTxId: '0x' + '1'.repeat(64),
    algorithmDid: ALGORITHM_DID,
    algorithmDataToken: ALGORITHM_TOKEN,
    algorithmTransferTxId: '0x' + '2'.repeat(64),
    output: '{}'
  }
  return { method: 'POST' as const, path: `${URL}?${query(params)}` }
}

function termsScenario (name: string, cache: boolean): Scenario {
  return {
    name,
    request,
    plugin: async upstream => await pluginServer({
      verifier: personalSignVerifier({ cacheSize: 0 }),
      terms: { resolver: aquariusResolver({ url: upstream! }), privateKey: PROVIDER_KEY, ...(cache ? {} : { cache: false }) }
    }),
    baseline: async () => await pluginServer({ verifier: personalSignVerifier({ cacheSize: 0 }) }),
    /** Aquarius v3: each DDO as Python's json.dumps text, `text/html`. */
    async standIn () {
      const app = Fastify()
      app.get('/api/v1/aquarius/assets/ddo/:did', async (request, reply) => {
        const ddo = DDOS.get((request.params as { did: string }).did)
        if (ddo === undefined) return await reply.code(404).send({ error: 'not found' })
        return await reply.type('text/html; charset=utf-8').send(pythonJson(ddo))
      })
      return app
    }
  }
}

export const startTermsWarm = termsScenario('start-terms-warm', true)
export const startTermsCold = termsScenario('start-terms-cold', false)
