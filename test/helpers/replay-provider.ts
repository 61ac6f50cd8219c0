// A provider process of its own for the shared-store tests: the plugin with an
// in-memory operator and a nonce store on the Redis (NONCE_REDIS_URL) or PostgreSQL
// (NONCE_POSTGRES, JSON of pg's connection options) the test started. Prints
// `listening <url>`, then serves until killed. It runs the built package, as the
// examples do: tsx then compiles this file, not all of lib/, and the process starts in
// a second rather than ten on a busy machine.
import Fastify from 'fastify'
import { Redis } from 'ioredis'
import pg from 'pg'
import compute, { postgresNonceStore, redisNonceStore, type NonceStore } from 'fastify-ocean-compute'
import { MemoryOperator } from './memory-operator.js'

const PREFIX = '/api/v1/services'

const redisUrl = process.env.NONCE_REDIS_URL
const nonceStore: NonceStore = redisUrl !== undefined
  ? redisNonceStore(new Redis(redisUrl))
  : postgresNonceStore(new pg.Pool(JSON.parse(process.env.NONCE_POSTGRES!) as pg.PoolConfig))

const app = Fastify()
await app.register(compute, { prefix: PREFIX, operator: new MemoryOperator(), nonceStore })
console.log(`listening ${await app.listen({ port: 0, host: '127.0.0.1' })}`)
