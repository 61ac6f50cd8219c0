import t, { type Test } from 'tap'
import { subscribe, unsubscribe } from 'node:diagnostics_channel'
import { CHANNELS, channels, memoryNonceStore, type ComputeOperator, type NonceStore } from '../lib/index.js'
import { build, COMPUTE_PATH } from './helpers/build.js'
import { alice, DID } from './helpers/sign.js'
import { MemoryOperator } from './helpers/memory-operator.js'

const ALGORITHM = JSON.stringify({ rawcode: 'console.log(1)', container: { entrypoint: 'node $ALGO', image: 'node', tag: '20' } })
const OUTPUT = JSON.stringify({ publishOutput: 1, publishAlgorithmLog: 1 })

/** Every message published on `name` while the test runs. */
function listen (t: Test, name: string): unknown[] {
  const seen: unknown[] = []
  const listener = (message: unknown) => { seen.push(message) }
  subscribe(name, listener)
  t.teardown(() => { unsubscribe(name, listener) })
  return seen
}

// The nonce form of the spec: the signed message ends with the nonce sent.
async function startQuery (nonce: number, overrides: Record<string, string> = {}) {
  const message = alice.address + DID + String(nonce)
  return { consumerAddress: alice.address, documentId: DID, algorithmMeta: ALGORITHM, output: OUTPUT, nonce: String(nonce), signature: await alice.signMessage({ message }), ...overrides }
}

t.test('the channel names are the documented ones, and channels are those channels', async t => {
  t.same(CHANNELS, {
    start: 'fastify-ocean-compute:start',
    operator: 'fastify-ocean-compute:operator',
    nonceStore: 'fastify-ocean-compute:nonce-store',
    signature: 'fastify-ocean-compute:signature',
    job: 'fastify-ocean-compute:job'
  })
  for (const key of Object.keys(CHANNELS) as Array<keyof typeof CHANNELS>) t.equal(channels[key].name, CHANNELS[key])
})

t.test('a start publishes accepted with its job, the operator call, the nonce store calls and the recovery', async t => {
  const [starts, calls, store, signatures] = [listen(t, CHANNELS.start), listen(t, CHANNELS.operator), listen(t, CHANNELS.nonceStore), listen(t, CHANNELS.signature)]
  const { app } = await build({ nonceStore: memoryNonceStore() })
  const res = await app.inject({ method: 'POST', url: COMPUTE_PATH, query: await startQuery(1) })
  t.equal(res.statusCode, 200)
  t.same(starts, [{ outcome: 'accepted', statusCode: 200, jobId: res.json()[0].jobId }])
  t.match(calls, [{ operation: 'start', outcome: 'ok', duration: Number }])
  t.match(store, [{ operation: 'advance', outcome: 'ok', duration: Number }])
  t.match(signatures, [{ backend: /^(native|viem)$/, recovered: true, duration: Number }])
  t.ok((signatures[0] as { duration: number }).duration > 0, 'a recovery takes time')
})

t.test('a refused start publishes refused with the code and status the client got', async t => {
  const starts = listen(t, CHANNELS.start)
  const signatures = listen(t, CHANNELS.signature)
  const { app } = await build({ nonceStore: memoryNonceStore() })
  const forged = await app.inject({ method: 'POST', url: COMPUTE_PATH, query: await startQuery(1, { signature: '0x' + '1'.repeat(130) }) })
  t.equal(forged.statusCode, 401)
  const invalid = await app.inject({ method: 'POST', url: COMPUTE_PATH, query: { consumerAddress: 'nobody' } })
  t.equal(invalid.statusCode, 400)
  t.same(starts, [
    { outcome: 'refused', statusCode: 401, code: 'FST_COMPUTE_INVALID_SIGNATURE' },
    { outcome: 'refused', statusCode: 400, code: 'FST_COMPUTE_INVALID_PARAMS' }
  ])
  t.match(signatures, [{ recovered: false }], 'a signature that recovers to nobody still cost a recovery')
  const malformed = await app.inject({ method: 'POST', url: COMPUTE_PATH, query: await startQuery(2, { signature: '0x12' }) })
  t.equal(malformed.statusCode, 401)
  t.equal(signatures.length, 1, 'a signature malformed on its face costs no recovery, and none is published')
})

t.test('operator calls publish their outcome: rejected, failed, timed out', async t => {
  const calls = listen(t, CHANNELS.operator)
  const operator = new MemoryOperator()
  const failing: ComputeOperator = {
    start: operator.start.bind(operator),
    stop: operator.stop.bind(operator),
    delete: operator.delete.bind(operator),
    status: async query => {
      if (query.jobId === 'reject') throw Object.assign(new Error('no such job'), { statusCode: 404 })
      if (query.jobId === 'fail') throw new Error('connection refused')
      if (query.jobId === 'hang') return await new Promise(() => {})
      return []
    }
  }
  const { app } = await build({ operator: failing, operatorTimeout: 50 })
  const status = async (jobId: string) => (await app.inject({ method: 'GET', url: COMPUTE_PATH, query: { consumerAddress: alice.address, jobId } })).statusCode
  t.equal(await status('reject'), 404)
  t.equal(await status('fail'), 503)
  t.equal(await status('hang'), 503)
  t.equal(await status('fine'), 200)
  t.match(calls, [
    { operation: 'status', outcome: 'rejected' },
    { operation: 'status', outcome: 'failed' },
    { operation: 'status', outcome: 'timeout' },
    { operation: 'status', outcome: 'ok' }
  ])
  t.ok((calls[2] as { duration: number }).duration >= 45, 'a timeout lasts the operatorTimeout')
})

t.test('nonce store calls publish failures and timeouts', async t => {
  const store = listen(t, CHANNELS.nonceStore)
  const broken: NonceStore = {
    get: async address => {
      if (address === alice.address.toLowerCase()) throw new Error('redis down')
      return await new Promise(() => {})
    },
    advance: () => true
  }
  const { app } = await build({ nonceStore: broken, operatorTimeout: 50 })
  const nonce = async (userAddress: string) => (await app.inject({ method: 'GET', url: '/api/v1/services/nonce', query: { userAddress } })).statusCode
  t.equal(await nonce(alice.address), 503)
  t.equal(await nonce('0x' + '2'.repeat(40)), 503)
  t.match(store, [{ operation: 'get', outcome: 'failed' }, { operation: 'get', outcome: 'timeout' }])
})

t.test('with nobody subscribed nothing is published and no clock is read', async t => {
  const { app } = await build({ nonceStore: memoryNonceStore() })
  const now = performance.now
  t.teardown(() => { performance.now = now })
  // The clock reads of one signed start.
  const reads = async (nonce: number): Promise<number> => {
    const query = await startQuery(nonce)
    let count = 0
    performance.now = () => { count++; return now.call(performance) }
    const res = await app.inject({ method: 'POST', url: COMPUTE_PATH, query })
    performance.now = now
    t.equal(res.statusCode, 200)
    return count
  }
  for (const ch of Object.values(channels)) t.notOk(ch.hasSubscribers, `${ch.name as string} has no subscribers`)
  t.equal(await reads(1), 1, 'the one read is the operator call\'s own deadline')
  for (const name of Object.values(CHANNELS)) listen(t, name)
  t.equal(await reads(2), 1 + 2 * 3, 'subscribed, the operator call, the nonce store call and the recovery are timed')
})
