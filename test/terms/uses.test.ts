import t from 'tap'
import { memoryOrderUses, postgresOrderUses, redisOrderUses } from '../../lib/index.js'
import { orderUsesFrom } from '../../lib/terms/uses/index.js'
import Fastify from 'fastify'
import compute, { chainOrders, hostResolver } from '../../lib/index.js'
import { checkOrderUses, missingOrderUsesTable } from '../helpers/order-uses-contract.js'
import { fakePostgres } from '../helpers/fake-postgres.js'
import { PROVIDER_KEY } from '../helpers/ddos.js'
import { MemoryOperator } from '../helpers/memory-operator.js'
import { LuaRedis } from '../helpers/redis-lua.js'

t.test('memoryOrderUses counts uses per order, atomically', async t => {
  await checkOrderUses(t, memoryOrderUses())
})

t.test('memoryOrderUses forgets expired orders once the map has doubled, and keeps the others', async t => {
  const store = memoryOrderUses()
  for (let i = 0; i < 64; i++) store.take(`expired-${i}`, 1, Date.now() - 1)
  t.equal(store.take('kept', 1, Date.now() + 60_000), true, 'the 65th order sweeps the 64 expired ones')
  t.equal(store.take('kept', 1), false, 'the valid one is still counted')
  t.equal(store.take('expired-0', 1), true, 'an expired order is forgotten')
  for (let i = 0; i < 64; i++) store.take(`forever-${i}`, 1)
  t.equal(store.take('forever-0', 1), false, 'orders that never expire stay counted')
})

t.test('redisOrderUses: its scripts, run in Lua against an in-process Redis', async t => {
  const redis = new LuaRedis()
  await checkOrderUses(t, redisOrderUses(redis))
  const store = redisOrderUses(redis, { prefix: 'test:' })
  const expiresAt = Date.now() + 60_000
  t.equal(await store.take('0xabc', 1, expiresAt), true)
  t.same(redis.values.get('test:0xabc'), { value: '1', expiresAt }, 'one counter per order, expiring with the order')
  t.equal(await store.take('0xdef', 1), true)
  t.same(redis.values.get('test:0xdef'), { value: '1' }, 'an order that never expires: a counter that never does')
  await t.rejects(redis.eval('return redis.call("FLUSHALL")', 0), /FLUSHALL/, 'the stand-in knows only what the scripts use')
})

t.test('redisOrderUses and postgresOrderUses check what they are given', async t => {
  t.throws(() => redisOrderUses({} as never), { code: 'FST_COMPUTE_INVALID_OPTION', message: /redisOrderUses needs an ioredis client/ })
  t.throws(() => redisOrderUses(new LuaRedis(), { prefix: 5 as never }), { message: /prefix must be a string/ })
  t.throws(() => postgresOrderUses({} as never), { message: /postgresOrderUses needs a pg Pool/ })
  for (const table of ['uses; DROP TABLE x', '"quoted"', 'a.b.c', 7]) {
    t.throws(() => postgresOrderUses({ query: async () => ({ rows: [], rowCount: 0 }) }, { table: table as never }), { message: /table must be an SQL identifier/ }, String(table))
  }
})

t.test('postgresOrderUses sends one statement per call, with the values as parameters', async t => {
  const pool = fakePostgres()
  const store = postgresOrderUses(pool, { table: 'provider.uses' })
  await store.createTable()
  t.match(pool.sent[0]!.text, /pg_advisory_xact_lock\(hashtext\('fastify-ocean-compute createTable provider\.uses'\)\);\s+CREATE TABLE IF NOT EXISTS provider\.uses \(order_id text PRIMARY KEY, taken integer NOT NULL, expires_at bigint\);/,
    'created under a lock: two processes that start together both find it')
  await checkOrderUses(t, store)
  t.same(pool.sent[1]!.values.slice(1), [2, null], 'the limit, and null for an order that never expires')
  await store.take('0xabc', 1, 1234)
  t.same(pool.sent.at(-1)!.values, ['0xabc', 1, 1234])
})

t.test('in-process (a stand-in for PostgreSQL): a missing order-use table refuses registration, saying so', async t => {
  const pool = fakePostgres()
  await missingOrderUsesTable(t, pool, async () => { pool.tables.delete('missing_uses') })
  const app = Fastify()
  t.teardown(async () => await app.close())
  app.register(compute, {
    operator: new MemoryOperator(),
    terms: { resolver: hostResolver([]), privateKey: PROVIDER_KEY, orders: chainOrders({ rpcUrl: 'http://127.0.0.1:1', jobsPerOrder: 1, uses: pool }) }
  })
  await t.rejects(async () => { await app.ready() }, { message: /postgresOrderUses: the table compute_order_uses does not exist; call createTable\(\)/ }, 'a pg Pool as uses: its store, with the default table')
})

t.test('an order-use store that cannot work refuses registration; one is awaited only when uses are counted', async t => {
  const down = { take: () => true, release: () => {}, ready: async () => { throw new Error('connect ECONNREFUSED') } }
  const register = async (jobsPerOrder: number | undefined) => {
    const app = Fastify()
    t.teardown(async () => await app.close())
    app.register(compute, {
      operator: new MemoryOperator(),
      terms: { resolver: hostResolver([]), privateKey: PROVIDER_KEY, orders: chainOrders({ rpcUrl: 'http://127.0.0.1:1', jobsPerOrder, uses: down }) }
    })
    await app.ready()
  }
  await t.rejects(register(1), { message: 'connect ECONNREFUSED' }, 'with jobsPerOrder the store is asked first')
  await register(undefined)
  t.pass('without jobsPerOrder the store is never used, so never asked')
})

t.test('orderUsesFrom: a store as it is, a client by its shape, memory when none', async t => {
  const store = memoryOrderUses()
  t.equal(orderUsesFrom(store, 'uses'), store)
  const redis = new LuaRedis()
  const fromRedis = orderUsesFrom(redis, 'uses')
  await fromRedis.take('x', 1)
  t.equal(redis.calls, 1, 'an ioredis client (eval): Redis')
  let queried = 0
  const fromPostgres = orderUsesFrom({ query: async () => { queried++; return { rows: [], rowCount: 1 } } }, 'uses')
  t.equal(await fromPostgres.take('x', 1), true)
  t.equal(queried, 1, 'a pg Pool (query): PostgreSQL')
  const memory = orderUsesFrom(undefined, 'uses')
  t.equal(await memory.take('x', 1), true)
  t.equal(await memory.take('x', 1), false, 'none: memory')
  t.throws(() => orderUsesFrom({ get: () => {} } as never, 'chainOrders: uses'), { message: /chainOrders: uses must be an order-use store/ })
})
