// A CommonJS host: require() of the ESM package (Node 20.19+, 22.12+) gives its namespace,
// which Fastify registers by its default; the named form is there too.
const Fastify = require('fastify')
const compute = require('fastify-ocean-compute')
const { operator, report } = require('./probe.cjs')

const app = Fastify()
app.register(compute, { prefix: '/default', operator })
app.register(compute.fastifyOceanCompute, { prefix: '/named', operator })
app.ready().then(() => report(app, ['/default', '/named']))
