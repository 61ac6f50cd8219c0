import t from 'tap'
import { Readable } from 'node:stream'
import Fastify, { type FastifyInstance } from 'fastify'
import { verifyMessage } from 'viem'
import compute, { memoryNonceStore, nonceVerifier, type NonceStore, type ResultFile } from '../../lib/index.js'
import { build, PREFIX, COMPUTE_PATH } from '../helpers/build.js'
import { MemoryOperator } from '../helpers/memory-operator.js'
import { alice, bob } from '../helpers/sign.js'

const signNonce = async (account: typeof alice, nonce: string | number, { consumerAddress = account.address as string, jobId = '', documentId = '' } = {}) =>
  await account.signMessage({ message: consumerAddress + jobId + documentId + String(nonce) })

const start = async (app: FastifyInstance, query: Record<string, string>) =>
  await app.inject({ method: 'POST', url: COMPUTE_PATH, query: { output: '{}', algorithmDid: 'did:op:x', ...query } })

const nonceOf = async (app: FastifyInstance, address: string = alice.address) =>
  await app.inject({ method: 'GET', url: `${PREFIX}/nonce`, query: { userAddress: address } })

t.test('the provider-held form: a client signs the current nonce, sends none, and the nonce advances by one', async t => {
  const { app, operator } = await build({ nonceStore: memoryNonceStore() })
  t.same((await nonceOf(app)).json(), { nonce: 0 }, 'every address starts at 0')
  const first = { consumerAddress: alice.address, signature: await signNonce(alice, 0) }
  t.equal((await start(app, first)).statusCode, 200)
  t.same((await nonceOf(app)).json(), { nonce: 1 })
  t.equal((await start(app, first)).statusCode, 401, 'the captured request sent again is refused')
  t.equal((await start(app, { ...first, signature: await signNonce(alice, 1) })).statusCode, 200, 'the next one signs 1')
  t.same((await nonceOf(app)).json(), { nonce: 2 })
  t.equal(operator.jobs.size, 2)
})

t.test('the client-sent form: each nonce works once and must grow; the current nonce moves past it', async t => {
  const { app, operator } = await build({ nonceStore: memoryNonceStore() })
  const first = { consumerAddress: alice.address, nonce: '1', signature: await signNonce(alice, 1) }
  t.equal((await start(app, first)).statusCode, 200)
  t.equal((await start(app, first)).statusCode, 401, 'a replay is refused')
  t.equal((await start(app, { ...first, nonce: '3', signature: await signNonce(alice, 3) })).statusCode, 200)
  t.equal((await start(app, { ...first, nonce: '2', signature: await signNonce(alice, 2) })).statusCode, 401, 'a smaller nonce is refused')
  t.equal(operator.jobs.size, 2)
  t.same((await nonceOf(app)).json(), { nonce: 4 })
})

t.test('both forms share one nonce, and neither replays the other', async t => {
  const { app } = await build({ nonceStore: memoryNonceStore() })
  const sent = { consumerAddress: alice.address, nonce: '5', signature: await signNonce(alice, 5) }
  t.equal((await start(app, sent)).statusCode, 200)
  const { nonce: _dropped, ...withoutNonce } = sent
  t.equal((await start(app, withoutNonce)).statusCode, 401, 'the same signature without its nonce parameter is refused')
  t.equal((await start(app, { consumerAddress: alice.address, signature: await signNonce(alice, 6) })).statusCode, 200, 'the provider-held form signs 6')
  t.equal((await start(app, { ...sent, nonce: '6', signature: await signNonce(alice, 6) })).statusCode, 401, '6 is spent for the client-sent form too')
  t.equal((await start(app, { ...sent, nonce: '7', signature: await signNonce(alice, 7) })).statusCode, 200)
})

t.test('nonces keep every digit: 2^53 + 1 is greater than 2^53, and decimals compare exactly', async t => {
  const { app } = await build({ nonceStore: memoryNonceStore() })
  const send = async (nonce: string) => (await start(app, { consumerAddress: alice.address, nonce, signature: await signNonce(alice, nonce) })).statusCode
  t.equal(await send('9007199254740992'), 200)
  t.equal(await send('9007199254740993'), 200, 'one more than 2^53')
  const res = await nonceOf(app)
  t.equal(res.body, '{"nonce":9007199254740994}', 'GET nonce answers the exact digits')
  t.match(res.headers['content-type'], /^application\/json/)
  t.equal(await send('12345678901234567890123.5'), 200, 'more digits than a double holds')
  t.equal(await send('12345678901234567890123.25'), 401, 'a smaller decimal with more digits')
  t.equal(await send('12345678901234567890124.50'), 200, 'a greater one, with a trailing zero')
  t.equal((await nonceOf(app)).body, '{"nonce":12345678901234567890125.5}')
  t.equal(await start(app, { consumerAddress: alice.address, signature: await signNonce(alice, '12345678901234567890125.5') }).then(r => r.statusCode), 200,
    'the provider-held form signs the decimal as GET nonce wrote it')
})

t.test('nonces are per address, compared ignoring the address\'s case', async t => {
  const { app } = await build({ nonceStore: memoryNonceStore() })
  const lower = alice.address.toLowerCase()
  t.equal((await start(app, { consumerAddress: lower, nonce: '1700000000000', signature: await signNonce(alice, '1700000000000', { consumerAddress: lower }) })).statusCode, 200)
  t.equal((await start(app, { consumerAddress: alice.address, nonce: '1700000000000', signature: await signNonce(alice, '1700000000000') })).statusCode, 401)
  t.equal((await start(app, { consumerAddress: bob.address, signature: await signNonce(bob, 0) })).statusCode, 200, 'bob has his own, still at 0')
  t.same((await nonceOf(app, lower.toUpperCase().replace('0X', '0x'))).json(), { nonce: 1700000000001 })
})

t.test('an invalid signature never advances the nonce, in either form', async t => {
  const { app } = await build({ nonceStore: memoryNonceStore() })
  const forgedSent = { consumerAddress: alice.address, nonce: '99', signature: await signNonce(bob, 99, { consumerAddress: alice.address }) }
  t.equal((await start(app, forgedSent)).statusCode, 401)
  const forgedHeld = { consumerAddress: alice.address, signature: await signNonce(bob, 0, { consumerAddress: alice.address }) }
  t.equal((await start(app, forgedHeld)).statusCode, 401)
  t.same((await nonceOf(app)).json(), { nonce: 0 })
  t.equal((await start(app, { consumerAddress: alice.address, signature: await signNonce(alice, 0) })).statusCode, 200, 'the victim is unaffected')
})

t.test('a malformed nonce or a missing signature is a 401, and an unsigned status needs neither', async t => {
  const { app } = await build({ nonceStore: memoryNonceStore() })
  for (const nonce of ['1e3', '-1', '0x10', '1.', '.5', ' 1']) {
    t.equal((await start(app, { consumerAddress: alice.address, nonce, signature: await signNonce(alice, nonce) })).statusCode, 401, nonce)
  }
  t.equal((await app.inject({ method: 'PUT', url: COMPUTE_PATH, query: { consumerAddress: alice.address } })).statusCode, 401)
  t.equal((await app.inject({ method: 'GET', url: COMPUTE_PATH, query: { consumerAddress: alice.address } })).statusCode, 200)
  t.same((await nonceOf(app)).json(), { nonce: 0 })
})

t.test('signed status, stop, delete and computeResult advance the nonce too', async t => {
  class WithResults extends MemoryOperator {
    async result (): Promise<ResultFile> {
      return { name: 'out.txt', size: 2, contentType: 'text/plain', stream: Readable.from(['ok']) }
    }
  }
  const operator = new WithResults()
  const { app } = await build({ operator, nonceStore: memoryNonceStore() })
  t.equal((await start(app, { consumerAddress: alice.address, signature: await signNonce(alice, 0) })).statusCode, 200)
  const jobId = [...operator.jobs.keys()][0]!
  let nonce = 1
  for (const method of ['GET', 'PUT', 'DELETE'] as const) {
    const query = { consumerAddress: alice.address, jobId, signature: await signNonce(alice, nonce, { jobId }) }
    const res = await app.inject({ method, url: COMPUTE_PATH, query })
    t.equal(res.statusCode, 200, method)
    if (method === 'GET') t.equal(res.json()[0].owner, alice.address, 'the signed status is not redacted')
    t.same((await nonceOf(app)).json(), { nonce: ++nonce }, `${method} advanced it`)
    if (method === 'DELETE') break
    const again = await app.inject({ method, url: COMPUTE_PATH, query })
    if (method !== 'GET') t.equal(again.statusCode, 401, `${method} sent again`)
    else t.equal(again.json()[0].owner, undefined, 'a replayed status is answered redacted, as an unsigned one')
  }
  await start(app, { consumerAddress: alice.address, signature: await signNonce(alice, nonce) })
  const job = [...operator.jobs.keys()][0]!
  const query = { consumerAddress: alice.address, jobId: job, index: '0', signature: await alice.signMessage({ message: alice.address + job + '0' + String(++nonce) }) }
  const result = await app.inject({ method: 'GET', url: `${PREFIX}/computeResult`, query })
  t.equal(result.statusCode, 200)
  t.equal(result.body, 'ok')
  t.equal((await app.inject({ method: 'GET', url: `${PREFIX}/computeResult`, query })).statusCode, 401, 'the download link works once')
})

t.test('of 100 concurrent requests signed over the same nonce exactly one gets through, in either form', async t => {
  const { app, operator } = await build({ nonceStore: memoryNonceStore() })
  const held = { consumerAddress: alice.address, signature: await signNonce(alice, 0) }
  const sent = { consumerAddress: alice.address, nonce: '42', signature: await signNonce(alice, 42) }
  for (const query of [held, sent]) {
    const answers = await Promise.all(Array.from({ length: 100 }, async () => (await start(app, query)).statusCode))
    t.equal(answers.filter(code => code === 200).length, 1)
    t.equal(answers.filter(code => code === 401).length, 99)
  }
  t.equal(operator.jobs.size, 2)
})

t.test('a failing nonce store is a 503 that names no cause, and it is logged', async t => {
  const logs: string[] = []
  const failing: NonceStore = {
    get: () => { throw new Error('connect ECONNREFUSED 10.0.0.7:6379') },
    advance: async () => { throw new Error('connect ECONNREFUSED 10.0.0.7:6379') }
  }
  const app = Fastify({ logger: { level: 'error', stream: { write: (line: string) => { logs.push(line) } } } })
  await app.register(compute, { prefix: PREFIX, operator: new MemoryOperator(), nonceStore: failing })
  for (const res of [
    await nonceOf(app),
    await start(app, { consumerAddress: alice.address, signature: await signNonce(alice, 0) }),
    await start(app, { consumerAddress: alice.address, nonce: '1', signature: await signNonce(alice, 1) })
  ]) {
    t.equal(res.statusCode, 503)
    t.same(res.json(), { error: 'The nonce store could not be reached.' })
  }
  t.equal(logs.filter(line => line.includes('ECONNREFUSED 10.0.0.7')).length, 3)
  const garbled = await build({ nonceStore: { get: () => 'soon', advance: () => true } })
  t.equal((await nonceOf(garbled.app)).statusCode, 503, 'a store that answers something other than a nonce')
})

t.test('a nonce store that never answers is a 503 within operatorTimeout, not a hung request', async t => {
  const never = new Promise<never>(() => {})
  const advanced: string[] = []
  const hangingGet: NonceStore = { get: async () => await never, advance: nonce => { advanced.push(nonce); return true } }
  const hangingAdvance: NonceStore = { get: () => '0', advance: async () => await never }
  for (const [name, store] of [['get', hangingGet], ['advance', hangingAdvance]] as const) {
    const { app } = await build({ nonceStore: store, operatorTimeout: 300 })
    const began = Date.now()
    const answers = [
      name === 'get' ? await nonceOf(app) : undefined,
      await start(app, { consumerAddress: alice.address, signature: await signNonce(alice, 0) })
    ].filter(res => res !== undefined)
    for (const res of answers) {
      t.equal(res.statusCode, 503, `${name} hangs`)
      t.same(res.json(), { error: 'The nonce store could not be reached.' })
    }
    t.ok(Date.now() - began < 300 * answers.length + 5000, `answered after the timeout, not never (${Date.now() - began} ms)`)
  }
  t.same(advanced, [], 'a request whose current nonce never came advanced nothing')
})

t.test('GET nonce answers 400 for a missing or malformed address', async t => {
  const { app } = await build({ nonceStore: memoryNonceStore() })
  const res = await nonceOf(app, 'me')
  t.equal(res.statusCode, 400)
  t.equal(res.json().error, 'The userAddress field must be an Ethereum address (0x followed by 40 hex characters).')
})

t.test('without a store there is no nonce route, and a nonce parameter changes nothing', async t => {
  const { app } = await build()
  t.equal((await nonceOf(app)).statusCode, 404)
  const signature = await alice.signMessage({ message: alice.address })
  t.equal((await start(app, { consumerAddress: alice.address, nonce: '7', signature })).statusCode, 200)
  t.equal((await start(app, { consumerAddress: alice.address, nonce: '7', signature })).statusCode, 200)
})

t.test('checks the nonceStore option at registration', async t => {
  const app = Fastify()
  app.register(compute, { operator: new MemoryOperator(), nonceStore: { get: () => '0' } as never })
  await t.rejects(async () => { await app.ready() }, { code: 'FST_COMPUTE_INVALID_OPTION', message: /nonceStore must have get\(address\) and advance\(address, nonce\) methods/ })
})

t.test('a nonceStore always guards the routes: a verifier of the host\'s own beside it is refused at registration, saying what to do', async t => {
  const store = memoryNonceStore()
  const own = { verify: ({ params }: { params: { consumerAddress: string } }) => params.consumerAddress }
  for (const [how, register] of <Array<[string, (app: ReturnType<typeof Fastify>) => void]>>[
    ['the verifier option', app => app.register(compute, { operator: new MemoryOperator(), verifier: own, nonceStore: store })],
    ['a computeVerifier decorator', app => { app.decorate('computeVerifier', own); app.register(compute, { operator: new MemoryOperator(), nonceStore: store }) }],
    ['a nonceVerifier of another store', app => app.register(compute, { operator: new MemoryOperator(), verifier: nonceVerifier(memoryNonceStore()), nonceStore: store })]
  ]) {
    const app = Fastify()
    register(app)
    await t.rejects(async () => { await app.ready() }, { code: 'FST_COMPUTE_INVALID_OPTION', message: /nonceStore is checked only by the default verifier[^]*nonceVerifier\(store, \{ buildMessage, checkSignature \}\)/ }, how)
  }
})

t.test('a nonceVerifier of the same store, with the host\'s own signature check, is accepted and checks each nonce once', async t => {
  const store = memoryNonceStore()
  const checked: string[] = []
  const verifier = nonceVerifier(store, {
    checkSignature: async ({ address, message, signature }) => {
      checked.push(message)
      return await verifyMessage({ address: address as `0x${string}`, message, signature: signature as `0x${string}` })
    }
  })
  const { app } = await build({ verifier, nonceStore: store })
  t.same((await nonceOf(app)).json(), { nonce: 0 })
  const signature = await signNonce(alice, 0)
  t.equal((await start(app, { consumerAddress: alice.address, signature })).statusCode, 200)
  t.equal((await start(app, { consumerAddress: alice.address, signature })).statusCode, 401, 'the same signed message again is a replay')
  t.equal(checked.length, 2, 'the host\'s check ran')
})
