import t from 'tap'
import { memoryOrderUses, postgresOrderUses, redisOrderUses, type PostgresOrderUseClient } from '../../lib/index.js'
import { orderUsesFrom } from '../../lib/terms/uses/index.js'
import { checkOrderUses } from '../helpers/order-uses-contract.js'
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
  // PostgreSQL's answers to these statements (test/terms/uses-postgres.test.ts runs them on
  // a real one): rowCount 1 when the upsert wrote, 0 when its WHERE held it back.
  const sent: Array<{ text: string, values?: unknown[] }> = []
  const taken = new Map<string, number>()
  const pool: PostgresOrderUseClient = {
    async query (text, values) {
      sent.push({ text, values })
      const order = values?.[0] as string
      if (text.startsWith('INSERT')) {
        if ((taken.get(order) ?? 0) >= (values![1] as number)) return { rows: [], rowCount: 0 }
        taken.set(order, (taken.get(order) ?? 0) + 1)
        return { rows: [], rowCount: 1 }
      }
      if (text.startsWith('UPDATE') && (taken.get(order) ?? 0) > 0) taken.set(order, taken.get(order)! - 1)
      return { rows: [], rowCount: null }
    }
  }
  const store = postgresOrderUses(pool, { table: 'provider.uses' })
  await store.createTable()
  t.match(sent[0]!.text, /^CREATE TABLE IF NOT EXISTS provider\.uses \(order_id text PRIMARY KEY, taken integer NOT NULL, expires_at bigint\)$/)
  await checkOrderUses(t, store)
  t.same(sent[1]!.values!.slice(1), [2, null], 'the limit, and null for an order that never expires')
  await store.take('0xabc', 1, 1234)
  t.same(sent.at(-1)!.values, ['0xabc', 1, 1234])
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
