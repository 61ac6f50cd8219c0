import t from 'tap'
import Fastify from 'fastify'
import compute, { httpOperator, hostResolver } from '../../lib/index.js'
import { PREFIX } from '../helpers/build.js'
import { operatorService } from '../helpers/operator-service.js'
import {
  ALGORITHM_DID, ALGORITHM_TOKEN, ALGORITHM_URL, CONTAINER, DATASET_DID, DATASET_TOKEN, DATASET_URL, MemoryOrders,
  PROVIDER_KEY, startByDid, provider, algorithm, dataset, trusted
} from '../helpers/ddos.js'

// What the operator-service's engine downloads is what the workflow carries: an allowed
// start through the terms reaches the operator-service stand-in (spec 2.1) with the
// dataset's decrypted URL and the algorithm's URL and container from its DDO.

t.test('an allowed start reaches the operator-service with the decrypted URLs and the algorithm\'s container', async t => {
  const service = await operatorService({ allowedProviders: [provider.address.toLowerCase()] })
  t.teardown(() => service.close())
  const orders = new MemoryOrders().pay('0xtx', DATASET_TOKEN, 1).pay('0xalgo', ALGORITHM_TOKEN, 1)
  const app = Fastify()
  await app.register(compute, {
    prefix: PREFIX,
    operator: httpOperator({ url: service.url, account: provider }),
    terms: { resolver: hostResolver([dataset({ privacy: { publisherTrustedAlgorithms: [trusted(algorithm())] } }), algorithm()]), privateKey: PROVIDER_KEY, orders }
  })
  t.teardown(() => app.close())
  const res = await startByDid(app, { publishOutput: 0 })
  t.equal(res.statusCode, 200)
  t.equal(res.json()[0].algoDID, ALGORITHM_DID, 'the service read the algorithm\'s id from the workflow')
  const post = service.received.find(call => call.method === 'POST')!
  t.same(post.body?.workflow, {
    stages: [{
      index: 0,
      input: [{ index: 0, id: DATASET_DID, url: [DATASET_URL] }],
      compute: { Instances: 1, namespace: 'ocean-compute', maxtime: 3600 },
      algorithm: { id: ALGORITHM_DID, rawcode: '', url: ALGORITHM_URL, container: CONTAINER },
      output: { publishOutput: 0 }
    }]
  })
  t.equal(post.body?.agreementId, '0xtx')
  t.equal(orders.released, 0)
})
