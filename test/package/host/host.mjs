// An ESM host: imports the plugin by its default and named forms and registers both.
import Fastify from 'fastify'
import compute, { fastifyOceanCompute } from 'fastify-ocean-compute'
import { operator, report } from './probe.cjs'

const app = Fastify()
await app.register(compute, { prefix: '/default', operator })
await app.register(fastifyOceanCompute, { prefix: '/named', operator })
await report(app, ['/default', '/named'])
