import t from 'tap'
import { Redis } from 'ioredis'
import { redisNonceStore, type RedisNonceClient } from '../../../lib/index.js'
import { fakeRedis } from '../../helpers/fake-redis.js'
import { startRedis } from '../../helpers/redis.js'
import { checkNonceStore } from '../../helpers/nonce-store-contract.js'
import { checkSharedBetweenProcesses } from '../../helpers/shared-store.js'

// A Redis server and two provider processes to start: on a busy 2-core machine that
// alone can take most of tap's 60 s per file.
t.setTimeout(180_000)
const server = await startRedis(t)
if (server !== undefined) {
  const redis = new Redis(server.url)
  t.teardown(() => { redis.disconnect() })

  t.test('redisNonceStore keeps nonces exactly, advances only to greater ones, atomically', async t => {
    await checkNonceStore(t, redisNonceStore(redis))
  })

  t.test('each address is one key under the prefix, which never expires', async t => {
    const store = redisNonceStore(redis, { prefix: 'test:nonces:' })
    t.equal(await store.advance('0xabc', '12.5'), true)
    t.equal(await redis.get('test:nonces:0xabc'), '12.5')
    t.equal(await redis.ttl('test:nonces:0xabc'), -1)
    t.equal(await redisNonceStore(redis).get('0xabc'), '0', 'another prefix, another store')
  })

  t.test('the in-process stand-in answers as Redis does', async t => {
    const answers = async (client: RedisNonceClient) => {
      const store = redisNonceStore(client, { prefix: 'probe:' })
      return [await store.get('0xa'), await store.advance('0xa', '2.5'), await store.advance('0xa', '2.25'), await store.advance('0xa', '10'), await store.get('0xa'), await client.get('probe:0xa')]
    }
    t.same(await answers(fakeRedis()), await answers(redis))
  })

  t.test('two provider processes with one Redis accept each signed request once', async t => {
    await redis.flushall()
    await checkSharedBetweenProcesses(t, { NONCE_REDIS_URL: server.url })
  })
}

t.test('in-process (a stand-in for Redis): nonces exact, greater-only, atomic, one key per address under the prefix', async t => {
  const redis = fakeRedis()
  await checkNonceStore(t, redisNonceStore(redis))
  const store = redisNonceStore(redis, { prefix: 'test:nonces:' })
  t.equal(await store.advance('0xabc', '12.5'), true)
  t.equal(redis.keys.get('test:nonces:0xabc'), '12.5')
})

t.test('redisNonceStore checks what it is given', async t => {
  t.throws(() => redisNonceStore({} as never), { code: 'FST_COMPUTE_INVALID_OPTION', message: /redisNonceStore needs an ioredis client/ })
  t.throws(() => redisNonceStore({ get: async () => null, eval: async () => 0 }, { prefix: 5 as never }), { message: /prefix must be a string/ })
})
