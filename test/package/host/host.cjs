// A CommonJS host: require() of the ESM package (Node 20.19+, 22.12+) gives its namespace,
// which Fastify registers by its default; the named form is there too.
const Fastify = require('fastify')
const compute = require('fastify-ocean-compute')

const operator = {
  start: async () => [],
  status: async query => [{ jobId: 'j1', status: 70, statusText: 'Job finished', owner: query.owner }],
  stop: async () => [],
  delete: async () => []
}
async function main () {
  const app = Fastify()
  await app.register(compute, { prefix: '/default', operator })
  await app.register(compute.fastifyOceanCompute, { prefix: '/named', operator })
  const query = { consumerAddress: '0x' + '1'.repeat(40) }
  const answers = []
  for (const prefix of ['/default', '/named']) {
    const res = await app.inject({ url: `${prefix}/compute`, query })
    answers.push({ status: res.statusCode, body: res.json() })
  }
  await app.close()
  console.log(JSON.stringify(answers))
}
main()
