// README.md's snippet, as it stands there: type-checked by `npm run typecheck`, matched by test/docs/readme.test.ts.
import Fastify from 'fastify'
import compute, { oceanNodeCompute, localOperator } from 'fastify-ocean-compute'

const app = Fastify()
const operator = localOperator({ dataDir: '/var/lib/compute', datasets: { 'did:op:…': '/data/weather.csv' } })
await app.register(compute, { prefix: '/api/v1/services', operator })        // v0.4 clients
await app.register(async wire => {                                            // today's clients:
  wire.decorate('computeOperator', operator)                                  // the same operator, lent
  await wire.register(oceanNodeCompute, { prefix: '/node', providerAddress: '0x…' })
})
// A client: await ProviderInstance.freeComputeStart('https://provider.example/node', signer, envId, datasets, algorithm)
