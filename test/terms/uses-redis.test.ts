import t from 'tap'
import { Redis } from 'ioredis'
import { redisOrderUses } from '../../lib/index.js'
import { startRedis } from '../helpers/redis.js'
import { startAnvil } from '../helpers/anvil.js'
import { checkOrderUses } from '../helpers/order-uses-contract.js'
import { checkOrderUsesBetweenProcesses } from '../helpers/shared-order-uses.js'

// A Redis server, anvil and two processes to start: slow on a busy 2-core machine.
t.setTimeout(180_000)
const server = await startRedis(t)
if (server !== undefined) {
  // Started before any subtest: once the subtests are done, tap ends this file's test and runs
  // a teardown added later at once, which killed anvil while it was still being waited for.
  const node = await startAnvil(t)
  const redis = new Redis(server.url)
  t.teardown(() => { redis.disconnect() })

  t.test('redisOrderUses counts uses per order, atomically, on a real Redis', async t => {
    await checkOrderUses(t, redisOrderUses(redis))
  })

  t.test('each order is one counter under the prefix, which expires with the order', async t => {
    const store = redisOrderUses(redis, { prefix: 'test:uses:' })
    t.equal(await store.take('0xabc', 1, Date.now() + 60_000), true)
    t.equal(await redis.get('test:uses:0xabc'), '1')
    const ttl = await redis.pttl('test:uses:0xabc')
    t.ok(ttl > 50_000 && ttl <= 60_000, `expires with the order (${ttl} ms)`)
    t.equal(await store.take('0xdef', 1), true)
    t.equal(await redis.ttl('test:uses:0xdef'), -1, 'never, for an order that never expires')
    await store.release('0xabc')
    t.equal(await redis.get('test:uses:0xabc'), '0')
    await store.release('0xabc')
    t.equal(await redis.get('test:uses:0xabc'), '0', 'never below 0')
  })

  if (node !== undefined) {
    t.test('two provider processes with one Redis start one job with an order of one', async t => {
      await checkOrderUsesBetweenProcesses(t, node.url, { ORDER_USES_REDIS: server.url })
    })
  }
}
