import t from 'tap'
import { once } from 'node:events'
import { request } from 'node:http'
import type { AddressInfo } from 'node:net'
import Fastify from 'fastify'
import compute, { errors, type JobStatus, type OperatorContext, type OperatorQuery } from '../../lib/index.js'
import { build, COMPUTE_PATH, PREFIX } from '../helpers/build.js'
import { MemoryOperator } from '../helpers/memory-operator.js'
import { workflow } from '../helpers/jobs.js'
import { alice, sign } from '../helpers/sign.js'

async function status (app: Awaited<ReturnType<typeof build>>['app']) {
  return await app.inject({ method: 'GET', url: COMPUTE_PATH, query: { consumerAddress: alice.address } })
}

t.test('a throwing operator gives 503 without its internals, and the next request works', async t => {
  const { app, operator } = await build()
  const original = operator.status.bind(operator)
  operator.status = async () => { throw new Error('connect ECONNREFUSED http://admin:secret@10.0.0.7:8050') }
  let res = await status(app)
  t.equal(res.statusCode, 503)
  t.same(res.json(), { error: 'The compute operator failed.' })
  t.notMatch(res.body, /secret|10\.0\.0\.7/)
  operator.status = original
  res = await status(app)
  t.equal(res.statusCode, 200)
})

t.test('a 4xx from the operator is passed on with its status and message', async t => {
  const { app, operator } = await build()
  await operator.start({ owner: alice.address, workflow })
  operator.stop = async () => { throw Object.assign(new Error('Job is already finished.'), { statusCode: 409 }) }
  const res = await app.inject({ method: 'PUT', url: COMPUTE_PATH, query: { consumerAddress: alice.address, signature: await sign(alice) } })
  t.equal(res.statusCode, 409)
  t.same(res.json(), { error: 'Job is already finished.' })
})

// A server whose log lines and route errors (as Fastify's onError hook sees them) the test reads.
async function watched () {
  const lines: Array<Record<string, unknown>> = []
  const stream = { write: (line: string) => { lines.push(JSON.parse(line) as Record<string, unknown>) } }
  const operator = new MemoryOperator()
  const app = Fastify({ logger: { level: 'info', stream } })
  const seen: Error[] = []
  app.addHook('onError', async (_request, _reply, err) => { seen.push(err) })
  await app.register(compute, { prefix: PREFIX, operator })
  return { app, operator, lines, seen }
}

const startQuery = async () => ({ consumerAddress: alice.address, signature: await sign(alice), output: '{}', algorithmDid: 'did:op:x' })

t.test('an engine error an operator throws reaches the client and the log as itself', async t => {
  const { app, operator, lines, seen } = await watched()
  const thrown = new errors.UnknownDocumentError('did:op:nope')
  operator.start = async () => { throw thrown }
  const res = await app.inject({ method: 'POST', url: COMPUTE_PATH, query: await startQuery() })
  t.equal(res.statusCode, 400)
  t.same(res.json(), { error: 'The documentId did:op:nope is not a dataset of this provider.' })
  t.equal(seen[0], thrown, 'the very error the operator threw')
  const logged = lines.filter(line => line.code !== undefined)
  t.match(logged, [{ code: 'FST_COMPUTE_UNKNOWN_DOCUMENT', status: 400 }], 'logged under its own code, once')
  t.equal(logged.length, 1)
})

t.test('a foreign 4xx becomes an operator rejection that keeps the original as its cause', async t => {
  const { app, operator, seen } = await watched()
  const thrown = Object.assign(new Error('Quota exceeded.'), { statusCode: 429 })
  operator.start = async () => { throw thrown }
  const res = await app.inject({ method: 'POST', url: COMPUTE_PATH, query: await startQuery() })
  t.equal(res.statusCode, 429)
  t.same(res.json(), { error: 'Quota exceeded.' })
  t.ok(seen[0] instanceof errors.OperatorRejectedError)
  t.equal(seen[0]?.cause, thrown)
})

t.test('an answer that is not a list of jobs gives 503', async t => {
  const { app, operator } = await build()
  for (const garbage of [null, { jobs: [] }, 'ok', [{ jobId: 1, status: 1, statusText: 'x' }], [{ jobId: 'a', status: 'running', statusText: 'x' }], [null]]) {
    operator.status = async () => garbage as never
    const res = await status(app)
    t.equal(res.statusCode, 503, JSON.stringify(garbage))
    t.same(res.json(), { error: 'The compute operator answered something other than a list of jobs.' })
  }
})

t.test('an operator slower than operatorTimeout gives 503 in bounded time and sees its signal aborted', async t => {
  const { app, operator } = await build({ operatorTimeout: 150 })
  let aborted: unknown
  operator.status = async (_query: OperatorQuery, ctx?: OperatorContext) => await new Promise<JobStatus[]>(resolve => {
    if (ctx === undefined) throw new Error('the routes always pass a context')
    ctx.signal.addEventListener('abort', () => { aborted = ctx.signal.reason })
    setTimeout(() => resolve([]), 5000).unref()
  })
  const started = Date.now()
  const res = await status(app)
  const elapsed = Date.now() - started
  t.equal(res.statusCode, 503)
  t.same(res.json(), { error: 'The compute operator did not answer within 150 ms.' })
  t.ok(elapsed >= 140 && elapsed < 1000, `answered after ${elapsed} ms`)
  t.match(aborted, { code: 'FST_COMPUTE_OPERATOR_TIMEOUT' })
})

t.test('calls in flight time out each at its own deadline, whichever others ended first', async t => {
  const { app, operator } = await build({ operatorTimeout: 300 })
  // Request 1 hangs; request 2, sent 100 ms later, is answered at once; request 3, 200 ms
  // later, hangs: 1 must end near 300 ms and 3 near 500 ms, whatever 2 did.
  let calls = 0
  operator.status = async () => await new Promise<JobStatus[]>(resolve => {
    if (++calls === 2) resolve([])
    else setTimeout(() => resolve([]), 5000).unref()
  })
  const started = Date.now()
  const timed = async (delay: number) => {
    await new Promise(resolve => setTimeout(resolve, delay))
    const res = await status(app)
    return { status: res.statusCode, at: Date.now() - started }
  }
  const [first, second, third] = await Promise.all([timed(0), timed(100), timed(200)])
  t.equal(second.status, 200)
  t.ok(second.at < 300, `the quick call answered at ${second.at} ms`)
  t.equal(first.status, 503)
  t.ok(first.at >= 290 && first.at < 480, `the first timed out at ${first.at} ms`)
  t.equal(third.status, 503)
  t.ok(third.at >= 490 && third.at < 900, `the third timed out at ${third.at} ms`)
})

t.test('a client that disconnects aborts the operator call', async t => {
  const operator = new MemoryOperator()
  let signalled: () => void
  const abortSeen = new Promise<void>(resolve => { signalled = resolve })
  operator.status = async (_query: OperatorQuery, ctx?: OperatorContext) => await new Promise<JobStatus[]>((_resolve, reject) => {
    if (ctx === undefined) throw new Error('the routes always pass a context')
    ctx.signal.addEventListener('abort', () => { signalled(); reject(new Error('aborted')) })
  })
  const app = Fastify()
  await app.register(compute, { prefix: PREFIX, operator })
  await app.listen({ port: 0, host: '127.0.0.1' })
  t.teardown(() => app.close())
  const { port } = app.server.address() as AddressInfo
  const req = request({ host: '127.0.0.1', port, path: `${COMPUTE_PATH}?consumerAddress=${alice.address}` })
  req.on('error', () => {})
  req.end()
  await once(app.server, 'request')
  setTimeout(() => req.destroy(), 50)
  await abortSeen
  t.pass('the operator saw the abort')
})

t.test('an operator that reads the signal after the client left finds it aborted', async t => {
  const operator = new MemoryOperator()
  const app = Fastify()
  await app.register(compute, { prefix: PREFIX, operator })
  await app.listen({ port: 0, host: '127.0.0.1' })
  t.teardown(() => app.close())
  const req = request({ host: '127.0.0.1', port: (app.server.address() as AddressInfo).port, path: `${COMPUTE_PATH}?consumerAddress=${alice.address}` })
  req.on('error', () => {})
  const seen = new Promise<boolean>(resolve => {
    operator.status = async (_query: OperatorQuery, ctx?: OperatorContext) => {
      req.destroy()
      // Reads only once the server has surely seen the connection close.
      await new Promise(resolve => setTimeout(resolve, 100))
      resolve(ctx!.signal.aborted)
      return []
    }
  })
  req.end()
  t.equal(await seen, true)
})

t.test('errors of a host hook keep their 4xx, and a host bug is a bare 500', async t => {
  const refuse = await build({ buildWorkflow: () => { throw Object.assign(new Error('Order 0xabc is not paid.'), { statusCode: 402 }) } })
  const query = { consumerAddress: alice.address, signature: await sign(alice), output: '{}', algorithmDid: 'did:op:x' }
  let res = await refuse.app.inject({ method: 'POST', url: COMPUTE_PATH, query })
  t.equal(res.statusCode, 402)
  t.same(res.json(), { error: 'Order 0xabc is not paid.' })
  const buggy = await build({ buildWorkflow: () => { throw new TypeError('cannot read x of undefined') } })
  res = await buggy.app.inject({ method: 'POST', url: COMPUTE_PATH, query })
  t.equal(res.statusCode, 500)
  t.same(res.json(), { error: 'Internal Server Error' })
  t.equal(buggy.operator.calls.length, 0)
})
