// README.md's snippet, as it stands there: type-checked by `npm run typecheck`, matched by test/docs/readme.test.ts.
import { app, operator } from './context.js'
import compute, { redisNonceStore, postgresNonceStore } from 'fastify-ocean-compute'

// Redis (ioredis; with @fastify/redis, `app.redis`): one key per address, advanced by a Lua script.
await app.register(compute, { prefix: '/api/v1/services', operator, nonceStore: redisNonceStore(app.redis) })

// PostgreSQL (a pg Pool; with @fastify/postgres, `app.pg.pool`): a numeric column, one upsert.
const nonces = postgresNonceStore(app.pg.pool, { table: 'compute_nonces' }) // the default table
await nonces.createTable() // CREATE TABLE IF NOT EXISTS under an advisory lock: safe from several processes at once
await app.register(compute, { prefix: '/api/v1/services', operator, nonceStore: nonces })
