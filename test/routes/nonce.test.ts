import t from 'tap'
import Fastify from 'fastify'
import compute, { memoryNonceStore } from '../../lib/index.js'
import { build, PREFIX, COMPUTE_PATH } from '../helpers/build.js'
import { MemoryOperator } from '../helpers/memory-operator.js'
import { alice, bob } from '../helpers/sign.js'

const signNonce = async (account: typeof alice, nonce: string | number, { consumerAddress = account.address as string, jobId = '', documentId = '' } = {}) =>
  await account.signMessage({ message: consumerAddress + jobId + documentId + String(nonce) })

const start = async (app: Awaited<ReturnType<typeof build>>['app'], query: Record<string, string>) =>
  await app.inject({ method: 'POST', url: COMPUTE_PATH, query: { output: '{}', algorithmDid: 'did:op:x', ...query } })

t.test('with a nonce store, each signed nonce works once and must grow', async t => {
  const { app, operator } = await build({ nonceStore: memoryNonceStore() })
  const first = { consumerAddress: alice.address, nonce: '1', signature: await signNonce(alice, 1) }
  t.equal((await start(app, first)).statusCode, 200)
  t.equal((await start(app, first)).statusCode, 401, 'a replay is refused')
  t.equal((await start(app, { ...first, nonce: '3', signature: await signNonce(alice, 3) })).statusCode, 200)
  t.equal((await start(app, { ...first, nonce: '2', signature: await signNonce(alice, 2) })).statusCode, 401, 'a smaller nonce is refused')
  t.equal(operator.jobs.size, 2)
  const res = await app.inject({ method: 'GET', url: `${PREFIX}/nonce`, query: { userAddress: alice.address } })
  t.same(res.json(), { nonce: 3 })
})

t.test('nonces are per address, compared ignoring the address\'s case', async t => {
  const { app } = await build({ nonceStore: memoryNonceStore() })
  const lower = alice.address.toLowerCase()
  t.equal((await start(app, { consumerAddress: lower, nonce: '1700000000000', signature: await signNonce(alice, '1700000000000', { consumerAddress: lower }) })).statusCode, 200)
  t.equal((await start(app, { consumerAddress: alice.address, nonce: '1700000000000', signature: await signNonce(alice, '1700000000000') })).statusCode, 401)
  t.equal((await start(app, { consumerAddress: bob.address, nonce: '1', signature: await signNonce(bob, 1) })).statusCode, 200, 'bob has his own')
  t.same((await app.inject({ method: 'GET', url: `${PREFIX}/nonce?userAddress=${lower.toUpperCase().replace('0X', '0x')}` })).json(), { nonce: 1700000000000 })
})

t.test('an invalid signature never advances the nonce', async t => {
  const { app } = await build({ nonceStore: memoryNonceStore() })
  const forged = { consumerAddress: alice.address, nonce: '99', signature: await signNonce(bob, 99, { consumerAddress: alice.address }) }
  t.equal((await start(app, forged)).statusCode, 401)
  t.same((await app.inject({ method: 'GET', url: `${PREFIX}/nonce`, query: { userAddress: alice.address } })).json(), { nonce: 0 })
  t.equal((await start(app, { consumerAddress: alice.address, nonce: '5', signature: await signNonce(alice, 5) })).statusCode, 200, 'the victim is unaffected')
})

t.test('a missing or malformed nonce is a 401, and an unsigned status needs none', async t => {
  const { app } = await build({ nonceStore: memoryNonceStore() })
  t.equal((await start(app, { consumerAddress: alice.address, signature: await signNonce(alice, '') })).statusCode, 401)
  t.equal((await start(app, { consumerAddress: alice.address, nonce: '1e3', signature: await signNonce(alice, '1e3') })).statusCode, 401)
  t.equal((await start(app, { consumerAddress: alice.address, nonce: '-1', signature: await signNonce(alice, '-1') })).statusCode, 401)
  t.equal((await app.inject({ method: 'GET', url: COMPUTE_PATH, query: { consumerAddress: alice.address } })).statusCode, 200)
})

t.test('stop, delete and signed status take a nonce too', async t => {
  const { app } = await build({ nonceStore: memoryNonceStore() })
  let nonce = 10
  for (const method of ['GET', 'PUT', 'DELETE'] as const) {
    nonce++
    const query = { consumerAddress: alice.address, jobId: 'j', nonce: String(nonce), signature: await signNonce(alice, nonce, { jobId: 'j' }) }
    t.equal((await app.inject({ method, url: COMPUTE_PATH, query })).statusCode, 200, method)
    t.equal((await app.inject({ method: 'PUT', url: COMPUTE_PATH, query })).statusCode, 401, `${method}'s nonce is spent`)
  }
})

t.test('of 100 concurrent requests with the same signed nonce exactly one gets through', async t => {
  const { app, operator } = await build({ nonceStore: memoryNonceStore() })
  const query = { consumerAddress: alice.address, nonce: '42', signature: await signNonce(alice, 42) }
  const answers = await Promise.all(Array.from({ length: 100 }, async () => (await start(app, query)).statusCode))
  t.equal(answers.filter(code => code === 200).length, 1)
  t.equal(answers.filter(code => code === 401).length, 99)
  t.equal(operator.jobs.size, 1)
})

t.test('GET nonce answers 400 for a missing or malformed address', async t => {
  const { app } = await build({ nonceStore: memoryNonceStore() })
  const res = await app.inject({ method: 'GET', url: `${PREFIX}/nonce`, query: { userAddress: 'me' } })
  t.equal(res.statusCode, 400)
  t.equal(res.json().error, 'The userAddress field must be an Ethereum address (0x followed by 40 hex characters).')
})

t.test('without a store there is no nonce route, and a nonce parameter changes nothing', async t => {
  const { app } = await build()
  t.equal((await app.inject({ method: 'GET', url: `${PREFIX}/nonce`, query: { userAddress: alice.address } })).statusCode, 404)
  const signature = await alice.signMessage({ message: alice.address })
  t.equal((await start(app, { consumerAddress: alice.address, nonce: '7', signature })).statusCode, 200)
  t.equal((await start(app, { consumerAddress: alice.address, nonce: '7', signature })).statusCode, 200)
})

t.test('checks the nonceStore option at registration', async t => {
  const app = Fastify()
  app.register(compute, { operator: new MemoryOperator(), nonceStore: { get: () => 0 } as never })
  await t.rejects(async () => { await app.ready() }, { code: 'FST_COMPUTE_INVALID_OPTION', message: /nonceStore must have get\(address\) and advance\(address, nonce\) methods/ })
})
