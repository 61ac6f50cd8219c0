// An ESM host: imports the plugin by its default and named forms, registers both, asks each for a status.
import Fastify from 'fastify'
import compute, { fastifyOceanCompute } from 'fastify-ocean-compute'

const operator = {
  start: async () => [],
  status: async query => [{ jobId: 'j1', status: 70, statusText: 'Job finished', owner: query.owner }],
  stop: async () => [],
  delete: async () => []
}
const app = Fastify()
await app.register(compute, { prefix: '/default', operator })
await app.register(fastifyOceanCompute, { prefix: '/named', operator })
const query = { consumerAddress: '0x' + '1'.repeat(40) }
const answers = []
for (const prefix of ['/default', '/named']) {
  const res = await app.inject({ url: `${prefix}/compute`, query })
  answers.push({ status: res.statusCode, body: res.json() })
}
await app.close()
console.log(JSON.stringify(answers))
