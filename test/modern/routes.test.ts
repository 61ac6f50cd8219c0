import t from 'tap'
import Fastify from 'fastify'
import { NODE_ENDPOINTS, oceanNodeCompute, type ComputeEnvironment } from '../../lib/index.js'
import { MemoryOperator } from '../helpers/memory-operator.js'
import { alice, bob, DID } from '../helpers/sign.js'
import { ALGORITHM, nodeApp, nodeSign, PREFIX, signedParams, storedNonce } from './helpers.js'

const { version } = JSON.parse(await import('node:fs/promises').then(async fs => await fs.readFile(new URL('../../package.json', import.meta.url), 'utf8'))) as { version: string }

async function started (app: Awaited<ReturnType<typeof nodeApp>>, account = alice): Promise<string> {
  const res = await app.inject({ method: 'POST', url: `${PREFIX}/freeCompute`, payload: { ...await signedParams(app, 'freeStartCompute', account), environment: 'default', algorithm: ALGORITHM, datasets: [{ documentId: DID }] } })
  return res.json()[0].jobId as string
}

async function tokenFor (app: Awaited<ReturnType<typeof nodeApp>>, account = alice, extra: Record<string, unknown> = {}) {
  return await app.inject({ method: 'POST', url: `${PREFIX}/auth/token`, payload: { ...await signedParams(app, 'createAuthToken', account), consumerAddress: undefined, address: account.address, ...extra } })
}

t.test('GET / is the discovery document of this wire, paths relative to the prefix', async t => {
  const app = await nodeApp(t, new MemoryOperator(), { providerAddress: alice.address, chainIds: [8996] })
  const res = await app.inject({ method: 'GET', url: `${PREFIX}/`, headers: { authorization: 'undefined' } })
  t.same(res.json(), { providerAddress: alice.address, chainIds: [8996], software: 'fastify-ocean-compute', version, serviceEndpoints: NODE_ENDPOINTS })
  t.same(NODE_ENDPOINTS.freeCompute, ['POST', 'freeCompute'])
})

t.test('GET nonce answers the stored nonce as text; a malformed address is a 400', async t => {
  const app = await nodeApp(t, new MemoryOperator())
  const fresh = await app.inject({ method: 'GET', url: `${PREFIX}/nonce?userAddress=${alice.address}` })
  t.equal(fresh.body, '{"nonce":"0"}')
  await started(app)
  t.equal((await app.inject({ method: 'GET', url: `${PREFIX}/nonce?userAddress=${alice.address.toLowerCase()}` })).body, '{"nonce":"1"}', 'any case of the address')
  const bad = await app.inject({ method: 'GET', url: `${PREFIX}/nonce?userAddress=alice` })
  t.equal(bad.statusCode, 400)
  t.same(bad.json(), { error: 'The userAddress field must be an Ethereum address (0x followed by 40 hex characters).', errors: { userAddress: ['The userAddress field must be an Ethereum address (0x followed by 40 hex characters).'] } })
})

t.test('GET computeEnvironments: the options\', else the operator\'s, else one free default; the provider\'s address in each', async t => {
  const plain = await nodeApp(t, new MemoryOperator(), { providerAddress: alice.address, maxJobDuration: 120 })
  const [env] = (await plain.inject({ method: 'GET', url: `${PREFIX}/computeEnvironments?chainId=8996` })).json()
  t.match(env, { id: 'default', consumerAddress: alice.address, fees: {}, resources: [], free: { maxJobDuration: 120, resources: [], access: { addresses: [] } } })

  const operator = Object.assign(new MemoryOperator(), { environments: () => [{ ...env, id: 'mine', consumerAddress: bob.address }] })
  const described = await nodeApp(t, operator, { providerAddress: alice.address })
  t.same((await described.inject({ method: 'GET', url: `${PREFIX}/computeEnvironments` })).json().map((e: ComputeEnvironment) => [e.id, e.consumerAddress]), [['mine', bob.address]],
    'an address the operator gives is kept')
  const given = await nodeApp(t, operator, { environments: [{ ...env, id: 'given' }] })
  t.equal((await given.inject({ method: 'GET', url: `${PREFIX}/computeEnvironments` })).json()[0].id, 'given')

  const garbage = await nodeApp(t, Object.assign(new MemoryOperator(), { environments: () => [{ name: 'x' }] as unknown as ComputeEnvironment[] }))
  const res = await garbage.inject({ method: 'GET', url: `${PREFIX}/computeEnvironments` })
  t.equal(res.statusCode, 503)
  t.same(res.json(), { error: 'The compute operator described its environments wrongly.' })
})

t.test('GET compute answers the consumer\'s jobs unsigned; a token must be the consumer\'s', async t => {
  const app = await nodeApp(t, new MemoryOperator())
  const jobId = await started(app)
  const mine = await app.inject({ method: 'GET', url: `${PREFIX}/compute?consumerAddress=${alice.address}&jobId=${jobId}` })
  t.match(mine.json(), [{ jobId, owner: alice.address, environment: 'default', status: 1, statusText: 'Job queued' }])
  t.same((await app.inject({ method: 'GET', url: `${PREFIX}/compute?consumerAddress=${bob.address}&jobId=${jobId}` })).json(), [], 'not bob\'s')

  const aliceToken = (await tokenFor(app)).json().token as string
  const bobToken = (await tokenFor(app, bob)).json().token as string
  t.equal((await app.inject({ method: 'GET', url: `${PREFIX}/compute?consumerAddress=${alice.address}`, headers: { authorization: aliceToken } })).json()[0].jobId, jobId)
  const stolen = await app.inject({ method: 'GET', url: `${PREFIX}/compute?consumerAddress=${alice.address}`, headers: { authorization: bobToken } })
  t.equal(stolen.statusCode, 403)
  t.same(stolen.json(), { error: 'Access denied: the token was issued to another address.' })
  const junk = await app.inject({ method: 'GET', url: `${PREFIX}/compute?consumerAddress=${alice.address}`, headers: { authorization: 'junk' } })
  t.equal(junk.statusCode, 401)
  t.same(junk.json(), { error: 'Invalid token' })
  const nobody = await app.inject({ method: 'GET', url: `${PREFIX}/compute?jobId=${jobId}` })
  t.equal(nobody.statusCode, 400, 'a jobId alone is not enough (ocean-node drops filters instead)')
  t.same(nobody.json(), { error: 'The consumerAddress field is required.', errors: { consumerAddress: ['The consumerAddress field is required.'] } })
})

t.test('PUT compute stops the consumer\'s job; another\'s is a 404, a bad signature a 401', async t => {
  const operator = new MemoryOperator()
  const app = await nodeApp(t, operator)
  const jobId = await started(app)
  const stop = async (params: Record<string, string>, headers: Record<string, string> = {}) =>
    await app.inject({ method: 'PUT', url: `${PREFIX}/compute?${new URLSearchParams({ jobId, ...params }).toString()}`, headers: { 'content-type': 'application/json', ...headers } })

  const bobs = await stop(await signedParams(app, 'stopCompute', bob))
  t.equal(bobs.statusCode, 404)
  t.same(bobs.json(), { error: `No job ${jobId} of this consumer.` })
  t.notOk(operator.calls.some(call => call.method === 'stop'), 'the operator was never asked')

  const forged = await stop({ consumerAddress: alice.address, nonce: '2', signature: await nodeSign(bob, 2, 'stopCompute', 'bytes', alice.address) })
  t.equal(forged.statusCode, 401)
  t.same(forged.json(), { error: 'consumer address and nonce signature mismatch' })
  const wrongCommand = await stop({ consumerAddress: alice.address, nonce: '2', signature: await nodeSign(alice, 2, 'freeStartCompute') })
  t.same(wrongCommand.json(), { error: 'consumer address and nonce signature mismatch' }, 'a signature of another command')

  const res = await stop(await signedParams(app, 'stopCompute'))
  t.equal(res.statusCode, 200)
  t.match(res.json(), [{ jobId, stopRequested: true, status: 70, statusText: 'Job finished' }])
  t.match(res.json()[0].dateFinished, /^\d+$/)
  const token = (await tokenFor(app)).json().token as string
  t.equal((await stop({ consumerAddress: alice.address }, { authorization: token })).statusCode, 200, 'with a token')
})

t.test('POST auth/token: a JWT bound to the signer, its life bounded', async t => {
  const app = await nodeApp(t, new MemoryOperator(), { tokenLifetime: 600, tokenSecret: 'a secret of thirty-two bytes or more!' })
  const before = Date.now()
  const res = await tokenFor(app)
  t.equal(res.statusCode, 200)
  const [header, payload] = (res.json().token as string).split('.').slice(0, 2).map(part => JSON.parse(Buffer.from(part, 'base64url').toString()))
  t.same(header, { alg: 'HS256', typ: 'JWT' })
  t.equal(payload.address, alice.address)
  t.equal(payload.nonce, '1')
  t.ok(payload.exp >= Math.floor(before / 1000) + 599 && payload.exp <= Math.floor(Date.now() / 1000) + 600, 'tokenLifetime')
  const short = (await tokenFor(app, alice, { validUntil: Date.now() + 60_000 })).json().token as string
  const { exp } = JSON.parse(Buffer.from(short.split('.')[1]!, 'base64url').toString())
  t.ok(exp <= Math.floor(Date.now() / 1000) + 60, 'validUntil shortens it')
  const late = await tokenFor(app, alice, { validUntil: Date.now() - 1 })
  t.equal(late.statusCode, 400)
  t.same(late.json(), { error: 'The validUntil field must be in the future (unix milliseconds).' })
  t.equal(await storedNonce(app), 2, 'a refused token spends no nonce')
  const forged = await app.inject({ method: 'POST', url: `${PREFIX}/auth/token`, payload: { address: alice.address, nonce: '3', signature: await nodeSign(bob, 3, 'createAuthToken', 'bytes', alice.address) } })
  t.equal(forged.statusCode, 401)
  t.same(forged.json(), { error: 'consumer address and nonce signature mismatch' })
  const empty = await app.inject({ method: 'POST', url: `${PREFIX}/auth/token`, headers: { authorization: short }, payload: { address: alice.address, nonce: '3', signature: '' } })
  t.equal(empty.statusCode, 400, 'a token cannot make another')
  t.same(Object.keys(empty.json().errors), ['signature'])
})

t.test('paid compute is a 501 whose message the client reports', async t => {
  const app = await nodeApp(t, new MemoryOperator())
  for (const url of ['/compute', '/initializeCompute']) {
    const res = await app.inject({ method: 'POST', url: `${PREFIX}${url}`, payload: { consumerAddress: alice.address } })
    t.equal(res.statusCode, 501)
    t.same(res.json(), { error: 'Paid compute (escrow on Ocean\'s V4 contracts) is not offered by this provider: use freeCompute, or its v0.4 wire for ordered jobs.' })
  }
})

t.test('options are checked at registration, each named', async t => {
  const register = async (options: Record<string, unknown>) => {
    const app = Fastify()
    t.teardown(async () => await app.close())
    await app.register(oceanNodeCompute, { operator: new MemoryOperator(), ...options })
  }
  await t.rejects(register({ tokenSecret: 'short' }), { message: 'fastify-ocean-compute: tokenSecret must be a string or Buffer of at least 32 bytes' })
  await t.rejects(register({ tokenSecret: 42 }), { message: 'fastify-ocean-compute: tokenSecret must be a string or Buffer of at least 32 bytes' })
  await t.rejects(register({ environments: [{ id: 'x' }] }), { message: 'fastify-ocean-compute: environments must be a list of compute environments as GET computeEnvironments answers them (environments.0.consumerAddress: Expected required property)' })
  await t.rejects(register({ environments: 'x' }), { message: 'fastify-ocean-compute: environments must be a list of compute environments as GET computeEnvironments answers them (environments: Expected array)' })
  await t.rejects(register({ chainIds: ['1'] }), { message: 'fastify-ocean-compute: chainIds must be a list of chain ids' })
  await t.rejects(register({ providerAddress: 1 }), { message: 'fastify-ocean-compute: providerAddress must be a string' })
  await t.rejects(register({ tokenLifetime: 0 }), { message: 'fastify-ocean-compute: tokenLifetime must be a positive integer, got 0' })
  await t.rejects(register({ operator: undefined }), { code: 'FST_COMPUTE_NO_OPERATOR' })
  await register({ tokenSecret: Buffer.alloc(32, 1) })
})

t.test('an operator handed over is closed with Fastify; a decorator stays the host\'s', async t => {
  const owned = new MemoryOperator()
  const app = Fastify()
  await app.register(oceanNodeCompute, { operator: owned })
  await app.close()
  t.equal(owned.closed, 1)
  const lent = new MemoryOperator()
  const host = Fastify()
  host.decorate('computeOperator', lent)
  await host.register(oceanNodeCompute)
  await host.close()
  t.equal(lent.closed, 0)
})
