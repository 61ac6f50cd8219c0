import t from 'tap'
import Fastify, { type FastifyInstance } from 'fastify'
import { Writable } from 'node:stream'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import compute, { dockerOperator, localOperator, memoryNonceStore, personalSignVerifier, type ComputeOperator, type ComputeVerifier, type NonceStore } from '../lib/index.js'
import { MemoryOperator } from './helpers/memory-operator.js'
import { workflow } from './helpers/jobs.js'
import { DID, alice, bob, sign } from './helpers/sign.js'

async function ready (app: FastifyInstance) { await app.ready() }

t.test('refuses to start without an operator, saying how to provide one', async t => {
  const app = Fastify()
  app.register(compute)
  await t.rejects(ready(app), { code: 'FST_COMPUTE_NO_OPERATOR', message: /pass `operator` in the plugin options .* decorate the instance with `computeOperator`/ })
})

t.test('checks its options once at registration with a clear message', async t => {
  const cases: Array<[Record<string, unknown>, RegExp]> = [
    [{ operator: { start () {} } }, /the operator must have the methods start, status, stop, delete \(missing: status, stop, delete\)/],
    [{ operator: 'http://operator' }, /the operator must have the methods/],
    [{ verifier: {} }, /the verifier must have a verify\(input\) method/],
    [{ buildWorkflow: 'x' }, /buildWorkflow must be a function/],
    [{ requireSignedStatus: 'yes' }, /requireSignedStatus must be true or false/],
    [{ operatorTimeout: 0 }, /operatorTimeout must be a positive integer, got 0/],
    // Node fires a longer timer after 1 ms: every call would have timed out at once.
    [{ operatorTimeout: 2 ** 31 }, /operatorTimeout must be at most 2147483647 ms \(the longest a Node timer waits\), got 2147483648/],
    [{ bodyLimit: 1.5 }, /bodyLimit must be a positive integer, got 1.5/]
  ]
  for (const [options, message] of cases) {
    const app = Fastify()
    app.register(compute, { operator: new MemoryOperator(), ...options } as never)
    await t.rejects(ready(app), { code: 'FST_COMPUTE_INVALID_OPTION', message }, JSON.stringify(options))
  }
})

t.test('an engine whose dataDir cannot be used refuses to register, naming dataDir, and is closed', async t => {
  const dir = await mkdtemp(join(tmpdir(), 'foc-plugin-'))
  t.teardown(async () => await rm(dir, { recursive: true, force: true }))
  // A folder under a file: refused to root as to anyone.
  await writeFile(join(dir, 'file'), '')
  const dataDir = join(dir, 'file', 'data')
  for (const operator of [localOperator({ dataDir }), dockerOperator({ dataDir, socketPath: join(dir, 'none.sock'), log: { warn: () => {} } })]) {
    let closed = false
    const close = operator.close.bind(operator)
    operator.close = async () => { closed = true; await close() }
    const app = Fastify()
    app.register(compute, { operator })
    await t.rejects(ready(app), { code: 'FST_COMPUTE_INVALID_OPTION', message: new RegExp(`^fastify-ocean-compute: the (local|container) compute engine cannot use its dataDir ${dataDir}: ENOTDIR`) })
    t.ok(closed, 'the plugin closes the engine it was given')
  }
})

t.test('an operator\'s ready() is awaited at registration: one that rejects stops Fastify from starting', async t => {
  const operator: ComputeOperator = { start: async () => [], status: async () => [], stop: async () => [], delete: async () => [], ready: async () => { throw new Error('not today') } }
  const app = Fastify()
  app.register(compute, { operator })
  await t.rejects(ready(app), { message: 'not today' })
})

t.test('serves two prefixes with two operators, the verifier injected by decorator in one and by option in the other', async t => {
  const app = Fastify()
  const calls: string[] = []
  const counting = (name: string): ComputeVerifier => {
    const inner = personalSignVerifier()
    return { verify: input => { calls.push(name); return inner.verify(input) } }
  }
  app.decorate('computeVerifier', counting('decorator'))
  const one = new MemoryOperator()
  const two = new MemoryOperator()
  await app.register(compute, { prefix: '/one', operator: one })
  await app.register(compute, { prefix: '/two', operator: two, verifier: counting('option') })
  const query = { consumerAddress: alice.address, signature: await sign(alice), output: '{}', algorithmDid: 'did:op:x' }
  t.equal((await app.inject({ method: 'POST', url: '/one/compute', query })).statusCode, 200)
  t.equal((await app.inject({ method: 'POST', url: '/two/compute', query })).statusCode, 200)
  t.equal((await app.inject({ method: 'POST', url: '/two/compute', query })).statusCode, 200)
  t.equal(one.jobs.size, 1)
  t.equal(two.jobs.size, 2)
  t.same(calls, ['decorator', 'option', 'option'])
})

t.test('an option wins over a decorator, for the operator and the verifier', async t => {
  const app = Fastify()
  const decorated = new MemoryOperator()
  const given = new MemoryOperator()
  app.decorate('computeOperator', decorated)
  app.decorate('computeVerifier', { verify: () => undefined })
  await app.register(compute, { operator: given, verifier: { verify: ({ params }) => params.consumerAddress } })
  const res = await app.inject({ method: 'PUT', url: '/compute', query: { consumerAddress: bob.address, signature: 'trusted by the host verifier' } })
  t.equal(res.statusCode, 200)
  t.equal(given.calls.length, 1)
  t.equal(decorated.calls.length, 0)
})

t.test('closes an operator it was given as an option, and leaves a decorated one to the host', async t => {
  const given = new MemoryOperator()
  const decorated = new MemoryOperator()
  const a = Fastify()
  await a.register(compute, { operator: given })
  await a.close()
  t.equal(given.closed, 1)
  const b = Fastify()
  b.decorate('computeOperator', decorated)
  await b.register(compute)
  await b.close()
  t.equal(decorated.closed, 0)
})

t.test('closes cleanly with an operator that has no close()', async t => {
  const operator = new MemoryOperator()
  const app = Fastify()
  await app.register(compute, { operator: { start: operator.start.bind(operator), status: operator.status.bind(operator), stop: operator.stop.bind(operator), delete: operator.delete.bind(operator) } })
  await t.resolves(app.close())
})

t.test('leaves the host\'s routes, error handler and JSON parsing untouched', async t => {
  const app = Fastify()
  app.setErrorHandler((err: Error, _request, reply) => { reply.code(418).send({ host: true, message: err.message }) })
  app.get('/host', async () => { throw new Error('host failure') })
  app.post('/echo', async request => request.body)
  await app.register(compute, { prefix: '/api/v1/services', operator: new MemoryOperator() })
  let res = await app.inject({ method: 'GET', url: '/host' })
  t.equal(res.statusCode, 418)
  t.same(res.json(), { host: true, message: 'host failure' })
  res = await app.inject({ method: 'POST', url: '/echo', headers: { 'content-type': 'application/json' }, payload: '' })
  t.equal(res.statusCode, 418, 'the host still refuses an empty JSON body with its own handler')
  res = await app.inject({ method: 'GET', url: '/api/v1/services/compute' })
  t.equal(res.statusCode, 400)
  t.equal(res.json().error, 'The consumerAddress field is required.')
})

t.test('honours bodyLimit with a 413', async t => {
  const app = Fastify()
  await app.register(compute, { operator: new MemoryOperator(), bodyLimit: 100 })
  const res = await app.inject({ method: 'POST', url: '/compute', payload: { output: 'x'.repeat(200) } })
  t.equal(res.statusCode, 413)
  t.type(res.json().error, 'string')
})

t.test('a status signature replayed as DELETE: refused with a nonce store, and a warning at startup without one', async t => {
  const replay = async (nonceStore?: NonceStore) => {
    const lines: string[] = []
    const stream = new Writable({ write (chunk, _encoding, done) { lines.push(String(chunk)); done() } })
    const operator = new MemoryOperator()
    const app = Fastify({ logger: { level: 'warn', stream } })
    await app.register(compute, { prefix: '/api/v1/services', operator, nonceStore })
    await app.ready()
    const [job] = await operator.start({ workflow, owner: alice.address, documentId: DID })
    const jobId = job!.jobId
    // A status poll as ocean.js signs it: the provider's current nonce ('0') when there is a store.
    const signature = await alice.signMessage({ message: alice.address + jobId + DID + (nonceStore === undefined ? '' : '0') })
    const query = { consumerAddress: alice.address, jobId, documentId: DID, signature }
    const status = await app.inject({ method: 'GET', url: '/api/v1/services/compute', query })
    t.equal(status.statusCode, 200, 'the status poll is answered')
    const deleted = await app.inject({ method: 'DELETE', url: '/api/v1/services/compute', query })
    await app.close()
    return { deleted, warnings: lines.filter(line => line.includes('no nonceStore')), left: operator.jobs.size }
  }

  const guarded = await replay(memoryNonceStore())
  t.equal(guarded.deleted.statusCode, 401, 'with a nonce store the replay is refused')
  t.equal(guarded.left, 1, 'and the job is still there')
  t.same(guarded.warnings, [], 'no warning')

  const open = await replay()
  t.equal(open.deleted.statusCode, 200, 'without one the same signature deletes (Ocean\'s message names no action)')
  t.equal(open.left, 0)
  t.equal(open.warnings.length, 1, 'which the host was told at startup')
  t.match(JSON.parse(open.warnings[0]!), { level: 40, msg: /no nonceStore: every signature can be replayed, for any action/ })
})
