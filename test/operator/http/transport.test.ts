import t, { type Test } from 'tap'
import { getEventListeners, once } from 'node:events'
import { setTimeout as sleep } from 'node:timers/promises'
import type { Dispatcher } from 'undici'
import { recoverMessageAddress, type Hex } from 'viem'
import { httpOperator, type HttpOperatorOptions } from '../../../lib/index.js'
import { alice, bob as provider, DID } from '../../helpers/sign.js'
import { closedPort, faultServer, type Fault } from './fault-server.js'
import { ctx, standIn, workflow } from './setup.js'
import { until } from '../../helpers/until.js'

const start = { workflow, owner: alice.address, documentId: DID, agreementId: '0x' + 'f'.repeat(64) }

async function setup (t: Test, options: Partial<HttpOperatorOptions> = {}, basePath?: string) {
  const service = await standIn(t, { basePath })
  const operator = httpOperator({ url: service.url, account: provider, ...options })
  t.teardown(() => operator.close?.())
  return { service, operator }
}

// A fault server answering `answer` (see fault-server.ts), and an operator pointed at it.
async function misbehaving (t: Test, answer: Fault = 'ok') {
  const fault = await faultServer()
  t.teardown(() => fault.close())
  fault.fault = answer
  const operator = httpOperator({ url: fault.url, account: provider })
  t.teardown(() => operator.close?.())
  return { fault, operator }
}

t.test('start, status, stop and delete round trip against the operator-service as it really answers', async t => {
  const { service, operator } = await setup(t)
  const [job] = await operator.start(start, ctx())
  t.match(job, { owner: alice.address, agreementId: start.agreementId, inputDID: [DID], algoDID: 'raw', status: 1, stopreq: 0, results: '' })
  const jobId = job!.jobId

  t.same(await operator.status({ owner: alice.address }, ctx()), [job])
  t.same(await operator.status({ owner: alice.address, jobId, documentId: DID }, ctx()), [job])
  t.same(await operator.status({ owner: alice.address, agreementId: start.agreementId }, ctx()), [job])
  t.same(await operator.status({ owner: provider.address }, ctx()), [], '[] stays []')
  t.same(await operator.status({ owner: alice.address, jobId: 'another' }, ctx()), [])

  t.match(await operator.stop({ owner: alice.address, jobId }, ctx()), [{ jobId, stopreq: 1 }])
  t.same(await operator.delete({ owner: alice.address, jobId }, ctx()), [], 'its `""` is an accepted delete, answered as no jobs')
  t.equal(service.jobs.size, 1, 'the service removes nothing itself')
})

t.test('a DELETE answered with an empty body is accepted too; any other non-list is a 503', async t => {
  const { fault, operator } = await misbehaving(t)
  fault.fault = 'empty'
  t.same(await operator.delete({ owner: alice.address }, ctx()), [])
  await t.rejects(operator.status({ owner: alice.address }, ctx()), { statusCode: 503, message: 'The compute operator answered something other than JSON.' },
    'only a DELETE may answer nothing')
  fault.fault = 'not-a-list'
  await t.rejects(operator.delete({ owner: alice.address }, ctx()), { statusCode: 503, message: 'The compute operator answered something other than a list of jobs.' })
})

t.test('speaks spec section 2: a JSON body signed over the agreementId for POST, a signed query string otherwise', async t => {
  const { service, operator } = await setup(t)
  const [job] = await operator.start(start, ctx())
  await operator.status({ owner: alice.address, jobId: job!.jobId, documentId: DID, agreementId: start.agreementId }, ctx())
  await operator.stop({ owner: alice.address, jobId: '', documentId: undefined }, ctx())
  await operator.delete({ owner: alice.address, documentId: DID }, ctx())

  const [post, get, put, del] = service.received
  t.equal(post!.method, 'POST')
  t.equal(post!.path, '/api/v1/operator/compute')
  t.match(post!.headers, { 'content-type': 'application/json', accept: 'application/json' })
  t.same(Object.keys(post!.body!), ['workflow', 'documentId', 'agreementId', 'owner', 'providerAddress', 'providerSignature'])
  const { id: _empty, ...algorithm } = workflow.stages[0]!.algorithm
  t.same(post!.body!.workflow, { stages: [{ ...workflow.stages[0], algorithm }] }, 'the workflow, without the empty algorithm id')
  t.match(post!.body, { documentId: DID, agreementId: start.agreementId, owner: alice.address, providerAddress: provider.address })
  t.equal(await recoverMessageAddress({ message: start.agreementId, signature: post!.body!.providerSignature as Hex }), provider.address,
    'POST signs the agreementId, as the operator-service verifies')

  t.equal(get!.method, 'GET')
  t.equal(get!.path, '/api/v1/operator/compute')
  t.equal(get!.body, undefined)
  t.same(Object.keys(get!.query), ['owner', 'jobId', 'documentId', 'agreementId', 'providerAddress', 'providerSignature'])
  t.equal(await recoverMessageAddress({ message: provider.address + job!.jobId + DID, signature: get!.query.providerSignature as Hex }), provider.address,
    'GET signs providerAddress + jobId + documentId')

  t.equal(put!.method, 'PUT')
  t.same(Object.keys(put!.query), ['owner', 'providerAddress', 'providerSignature'], 'absent and empty values are left out')
  t.equal(await recoverMessageAddress({ message: provider.address, signature: put!.query.providerSignature as Hex }), provider.address,
    'missing parts are signed as empty')
  t.equal(del!.method, 'DELETE')
  t.same(Object.keys(del!.query), ['owner', 'documentId', 'providerAddress', 'providerSignature'])
})

t.test('a start without agreementId sends a made-up one, fresh each time, and signs it', async t => {
  const { service, operator } = await setup(t)
  const [first] = await operator.start({ workflow, owner: alice.address }, ctx())
  const [second] = await operator.start({ workflow, owner: alice.address, agreementId: '' }, ctx())
  const bodies = service.received.map(r => r.body!)
  t.same(Object.keys(bodies[0]!), ['workflow', 'agreementId', 'owner', 'providerAddress', 'providerSignature'], 'no documentId when none was given')
  for (const [i, body] of bodies.entries()) {
    t.match(body.agreementId, /^0x[0-9a-f]{64}$/, '32 random bytes as hex')
    t.equal(await recoverMessageAddress({ message: body.agreementId as string, signature: body.providerSignature as Hex }), provider.address)
    t.equal([first, second][i]!.agreementId, body.agreementId, 'the job reports it')
  }
  t.not(bodies[0]!.agreementId, bodies[1]!.agreementId)
})

t.test('an algorithm id is sent as it is; only an empty one is left out', async t => {
  const { service, operator } = await setup(t)
  const withDid = { ...workflow, stages: [{ ...workflow.stages[0]!, algorithm: { ...workflow.stages[0]!.algorithm, id: 'did:op:algo' } }] }
  const [job] = await operator.start({ ...start, workflow: withDid }, ctx())
  t.same(service.received[0]!.body!.workflow, withDid)
  t.equal(job!.algoDID, 'did:op:algo')
})

t.test('the url may or may not end in a slash, at the root or under a base path', async t => {
  for (const basePath of ['/', '/operator/']) {
    const service = await standIn(t, { basePath })
    for (const url of [service.url, service.url.slice(0, -1)]) {
      const operator = httpOperator({ url: new URL(url), account: provider })
      t.same(await operator.status({ owner: alice.address }, ctx()), [], url.slice(url.indexOf('/', 8)) || '(no path)')
      await operator.close?.()
    }
    t.same(service.received.map(r => r.path), Array(2).fill(`${basePath}api/v1/operator/compute`))
  }
})

t.test('credentials in the url are sent as Basic authorization and appear in no error', async t => {
  const service = await standIn(t)
  const withCredentials = (url: string) => url.replace('http://', 'http://ops%40example:s3cr3t@')
  const operator = httpOperator({ url: withCredentials(service.url), account: provider })
  t.teardown(() => operator.close?.())
  t.same(await operator.status({ owner: alice.address }, ctx()), [])
  t.equal(service.received[0]!.headers.authorization, 'Basic ' + Buffer.from('ops@example:s3cr3t').toString('base64'))

  const refused = httpOperator({ url: withCredentials(`http://127.0.0.1:${await closedPort()}/`), account: provider })
  t.teardown(() => refused.close?.())
  const err = await refused.status({ owner: alice.address }, ctx()).catch(err => err)
  t.equal(err.message, 'The compute operator refused the connection.')
  t.notMatch(`${err.message} ${err.stack} ${err.cause?.message}`, /s3cr3t|ops%40example|ops@example/)
})

t.test('a 4xx of the operator-service is thrown with its status and its error', async t => {
  const service = await standIn(t)
  const impostor = httpOperator({ url: service.url, account: alice })
  t.teardown(() => impostor.close?.())
  await t.rejects(impostor.start(start, ctx()), { statusCode: 401, code: 'FST_COMPUTE_OPERATOR_REJECTED', message: '`providerSignature` of agreementId is required.' })
  t.equal(service.jobs.size, 0)
})

t.test('after close, calls fail as a closed transport', async t => {
  const { operator } = await setup(t)
  await operator.close?.()
  await t.rejects(operator.status({ owner: alice.address }, ctx()), { statusCode: 503, message: 'The compute operator transport is closed.' })
})

t.test('a call whose signal is already aborted fails with 503 and sends nothing', async t => {
  const { service, operator } = await setup(t)
  const aborted = new AbortController()
  aborted.abort()
  await t.rejects(operator.status({ owner: alice.address }, { ...ctx(), signal: aborted.signal }),
    { statusCode: 503, message: 'The compute operator call was aborted.' })
  t.same(await operator.status({ owner: alice.address }, ctx()), [])
  t.equal(service.received.length, 1, 'only the call that was not aborted reached the operator-service')
})

t.test('an abort cuts the call short even when an earlier abort listener stops its propagation', async t => {
  const { service, operator } = await setup(t)
  service.hold()
  const controller = new AbortController()
  // A host's code listening first, as a web-standard EventTarget lets it, silences later listeners.
  controller.signal.addEventListener('abort', event => { event.stopImmediatePropagation() })
  const call = operator.status({ owner: alice.address }, { ...ctx(), signal: controller.signal })
  await once(service, 'request')
  const aborted = once(service, 'aborted')
  controller.abort()
  const outcome = await Promise.race([call.then(() => 'answered', (err: Error) => err.message), sleep(2000, 'still waiting', { ref: false })])
  t.equal(outcome, 'The compute operator call was aborted.')
  await aborted
  t.pass('the operator-service saw its request aborted')
})

t.test('answers with __proto__ or constructor.prototype keys, plain or \\u-escaped, arrive without them', async t => {
  const { fault, operator } = await misbehaving(t)
  for (const answer of ['proto', 'proto-escaped', 'constructor-prototype'] as const) {
    fault.fault = answer
    const [job] = await operator.status({ owner: alice.address }, ctx())
    t.equal(job!.jobId, 'a', `${answer}: the job arrives`)
    t.equal(Object.getPrototypeOf(job), Object.prototype, `${answer}: it keeps its prototype`)
    t.notOk(Object.hasOwn(job!, '__proto__') || Object.hasOwn(job!, 'constructor'), `${answer}: without the key`)
  }
})

t.test('an informational 103 before the answer is passed over, whatever it announces', async t => {
  const { operator } = await misbehaving(t, 'early-hints')
  t.same(await operator.status({ owner: alice.address }, ctx()), [])
})

t.test('a host dispatcher that throws instead of reporting gives the same 503 and leaves no listener behind', async t => {
  const dispatcher = { dispatch () { throw Object.assign(new Error('Dispatcher is closed'), { code: 'UND_ERR_CLOSED' }) } } as unknown as Dispatcher
  const operator = httpOperator({ url: 'http://operator-service.invalid/', account: provider, dispatcher })
  const context = ctx()
  await t.rejects(operator.status({ owner: alice.address }, context), { statusCode: 503, message: 'The compute operator transport is closed.' })
  t.equal(getEventListeners(context.signal, 'abort').length, 0)
})

t.test('an answer that starts with a byte-order mark is read', async t => {
  const { operator } = await misbehaving(t, 'bom')
  t.same(await operator.status({ owner: alice.address }, ctx()), [])
})

t.test('a lone surrogate in an id is sent as U+FFFD, not a failure', async t => {
  const { service, operator } = await setup(t)
  t.same(await operator.status({ owner: alice.address, jobId: 'job-\ud800' }, ctx()), [])
  t.equal(service.received[0]!.query.jobId, 'job-\ufffd')
})

t.test('a short error page is read to keep the connection; a long one closes it', async t => {
  const { fault, operator } = await misbehaving(t)
  for (const page of ['error500', 'error500-long'] as const) {
    fault.script = [page]
    await t.rejects(operator.status({ owner: alice.address }, ctx()), { statusCode: 503, message: 'The compute operator answered 500.' })
  }
  // Only the long page's connection closes (Node reports a close within milliseconds).
  await until(() => fault.closed === 1 ? true : undefined, 'the long page\'s connection to close', 2000)
  await new Promise(resolve => setTimeout(resolve, 100))
  t.equal(fault.closed, 1, 'the short page\'s connection stays open')
  t.same(await operator.status({ owner: alice.address }, ctx()), [], 'and the next call works')
})
