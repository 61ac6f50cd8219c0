import t from 'tap'
import Fastify from 'fastify'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { localOperator, memoryNonceStore, nodeVerifier, oceanNodeCompute, personalSignVerifier, type ComputeOperator } from '../../lib/index.js'
import { MemoryOperator } from '../helpers/memory-operator.js'
import { alice } from '../helpers/sign.js'
import { PREFIX, signedParams } from './helpers.js'

t.test('an engine that cannot use its dataDir, or a nonce store that cannot work, refuses to register, and the engine handed over is closed', async t => {
  const dir = await mkdtemp(join(tmpdir(), 'foc-node-options-'))
  t.teardown(async () => await rm(dir, { recursive: true, force: true }))
  await writeFile(join(dir, 'file'), '')
  const dataDir = join(dir, 'file', 'data')
  const operator = localOperator({ dataDir })
  let closed = false
  const close = operator.close.bind(operator)
  operator.close = async () => { closed = true; await close() }
  const app = Fastify()
  t.teardown(async () => await app.close())
  app.register(oceanNodeCompute, { operator })
  await t.rejects(async () => { await app.ready() }, { code: 'FST_COMPUTE_INVALID_OPTION', message: `fastify-ocean-compute: the local compute engine cannot use its dataDir ${dataDir}: ENOTDIR: not a directory, mkdir '${dataDir}'` })
  t.ok(closed, 'the plugin closes the engine it was given')

  const store = { ...memoryNonceStore(), ready: async () => { throw new Error('the table nonces does not exist') } }
  const other = Fastify()
  t.teardown(async () => await other.close())
  other.register(oceanNodeCompute, { operator: new MemoryOperator(), nonceStore: store })
  await t.rejects(async () => { await other.ready() }, { message: 'the table nonces does not exist' })
})

t.test('an operator\'s ready() that rejects stops Fastify from starting', async t => {
  const operator: ComputeOperator = { start: async () => [], status: async () => [], stop: async () => [], delete: async () => [], ready: async () => { throw new Error('not today') } }
  const app = Fastify()
  t.teardown(async () => await app.close())
  app.register(oceanNodeCompute, { operator })
  await t.rejects(async () => { await app.ready() }, { message: 'not today' })
})

t.test('a nodeVerifier of the plugin\'s nonce store is taken, with its own signature check; the first wire\'s computeVerifier decorator is not used', async t => {
  const store = memoryNonceStore()
  const checked: string[] = []
  const app = Fastify()
  t.teardown(async () => await app.close())
  app.decorate('computeVerifier', personalSignVerifier())
  await app.register(oceanNodeCompute, {
    prefix: PREFIX,
    operator: new MemoryOperator(),
    nonceStore: store,
    verifier: nodeVerifier(store, { checkSignature: ({ message }) => { checked.push(message); return true } })
  })
  const params = await signedParams(app, 'freeStartCompute')
  const payload = { ...params, signature: '0x01', environment: 'default', algorithm: { documentId: 'did:op:algo' } }
  const res = await app.inject({ method: 'POST', url: `${PREFIX}/freeCompute`, payload })
  t.equal(res.statusCode, 200, res.body)
  t.same(checked, [`${alice.address}${params.nonce}freeStartCompute`])
  const replayed = await app.inject({ method: 'POST', url: `${PREFIX}/freeCompute`, payload })
  t.equal(replayed.statusCode, 401, 'the nonce store still guards the route')
  t.same(replayed.json(), { error: `nonce: ${params.nonce} is not a valid nonce` })
})

t.test('a verifier that would not keep the nonce store is refused, saying what to pass instead', async t => {
  const message = 'fastify-ocean-compute: verifier must be nodeVerifier(store, { checkSignature }) on the plugin\'s nonceStore (pass that store as nonceStore too): another verifier would skip the nonces GET nonce hands out'
  const register = async (options: Record<string, unknown>) => {
    const app = Fastify()
    t.teardown(async () => await app.close())
    await app.register(oceanNodeCompute, { operator: new MemoryOperator(), ...options })
  }
  await t.rejects(register({ verifier: personalSignVerifier() }), { code: 'FST_COMPUTE_INVALID_OPTION', message })
  await t.rejects(register({ verifier: nodeVerifier(memoryNonceStore()) }), { code: 'FST_COMPUTE_INVALID_OPTION', message }, 'a nodeVerifier of another store')
  await t.rejects(register({ nonceStore: memoryNonceStore(), verifier: nodeVerifier(memoryNonceStore()) }), { code: 'FST_COMPUTE_INVALID_OPTION', message })
  await t.rejects(register({ verifier: { verify: 'no' } }), { code: 'FST_COMPUTE_INVALID_OPTION', message: 'fastify-ocean-compute: the verifier must have a verify(input) method' })
})

t.test('requireSignedStatus, an option of the first wire, is refused rather than left unapplied: GET compute stays unsigned here', async t => {
  const app = Fastify()
  t.teardown(async () => await app.close())
  const options = { operator: new MemoryOperator(), requireSignedStatus: true }
  await t.rejects(async () => { await app.register(oceanNodeCompute, options) }, {
    code: 'FST_COMPUTE_INVALID_OPTION',
    message: 'fastify-ocean-compute: requireSignedStatus is an option of the first wire only: no current client signs GET compute, so this wire answers it unsigned (a token, when sent, must be the consumer\'s)'
  })
})

t.test('environments are checked whole at registration, naming the first problem; an operator\'s, when asked, are a 503, never a 500', async t => {
  const app = Fastify()
  t.teardown(async () => await app.close())
  await app.register(oceanNodeCompute, { prefix: PREFIX, operator: new MemoryOperator() })
  const [env] = (await app.inject({ method: 'GET', url: `${PREFIX}/computeEnvironments` })).json()
  const register = async (environments: unknown) => {
    const other = Fastify()
    t.teardown(async () => await other.close())
    await other.register(oceanNodeCompute, { operator: new MemoryOperator(), environments: environments as never })
  }
  const refused = (problem: string) => ({ code: 'FST_COMPUTE_INVALID_OPTION', message: `fastify-ocean-compute: environments must be a list of compute environments as GET computeEnvironments answers them (${problem})` })
  await t.rejects(register([{ id: 'e', resources: [] }]), refused('environments.0.consumerAddress: Expected required property'))
  await t.rejects(register([{ ...env, free: { ...env.free, access: undefined } }]), refused('environments.0.free.access: Expected object'))
  await t.rejects(register([{ ...env, resources: [{ id: 'cpu' }] }]), refused('environments.0.resources.0.total: Expected required property'))
  await t.rejects(register([{ ...env, free: { ...env.free, maxJobDuration: '60' } }]), refused('environments.0.free.maxJobDuration: Expected number'))
  await t.rejects(register('x'), refused('environments: Expected array'))
  await register([{ ...env, id: 'mine' }])

  const broken = Object.assign(new MemoryOperator(), { environments: () => [{ ...env, free: { ...env.free, access: undefined } }] })
  const served = Fastify()
  t.teardown(async () => await served.close())
  await served.register(oceanNodeCompute, { prefix: PREFIX, operator: broken })
  for (const request of [
    { method: 'GET' as const, url: `${PREFIX}/computeEnvironments` },
    { method: 'POST' as const, url: `${PREFIX}/freeCompute`, payload: { ...await signedParams(served, 'freeStartCompute'), environment: 'default', algorithm: { documentId: 'did:op:a' } } }
  ]) {
    const res = await served.inject(request)
    t.equal(res.statusCode, 503, request.url)
    t.same(res.json(), { error: 'The compute operator described its environments wrongly.' })
  }
})
