import t from 'tap'
import { build, PREFIX, COMPUTE_PATH } from '../helpers/build.js'
import { alice, bob, sign, DID } from '../helpers/sign.js'
import type { MemoryOperator } from '../helpers/memory-operator.js'
import { workflow } from '../helpers/jobs.js'

async function seed (operator: MemoryOperator) {
  const [a1] = await operator.start({ workflow, owner: alice.address, documentId: DID })
  const [a2] = await operator.start({ workflow, owner: alice.address, documentId: 'did:op:other' })
  const [b1] = await operator.start({ workflow, owner: bob.address, documentId: DID })
  operator.calls.length = 0
  return { a1: a1!, a2: a2!, b1: b1! }
}

t.test('answers redacted jobs to an unsigned request', async t => {
  const { app, operator } = await build()
  await seed(operator)
  const res = await app.inject({ method: 'GET', url: COMPUTE_PATH, query: { consumerAddress: alice.address } })
  t.equal(res.statusCode, 200)
  const jobs = res.json()
  t.equal(jobs.length, 2)
  for (const job of jobs) {
    for (const hidden of ['owner', 'resultsUrl', 'algorithmLogUrl', 'resultsDid']) t.notOk(hidden in job, hidden)
    t.match(job, { jobId: String, status: 1, statusText: 'Warming up' })
  }
})

t.test('answers full jobs to a request signed by the consumer', async t => {
  const { app, operator } = await build()
  const { a1 } = await seed(operator)
  const res = await app.inject({ method: 'GET', url: COMPUTE_PATH, query: { consumerAddress: alice.address, jobId: a1.jobId, signature: await sign(alice, { jobId: a1.jobId }) } })
  t.equal(res.statusCode, 200)
  t.same(res.json(), [a1])
  t.match(operator.calls[0], { method: 'status', arg: { owner: alice.address, jobId: a1.jobId, documentId: undefined } })
})

t.test('answers redacted jobs when the signature is from another address', async t => {
  const { app, operator } = await build()
  await seed(operator)
  const res = await app.inject({ method: 'GET', url: COMPUTE_PATH, query: { consumerAddress: alice.address, signature: await sign(bob, { consumerAddress: alice.address }) } })
  t.equal(res.statusCode, 200)
  t.equal(res.json().length, 2)
  t.notOk('owner' in res.json()[0])
})

t.test('filters by documentId, and an empty documentId or jobId means all', async t => {
  const { app, operator } = await build()
  await seed(operator)
  let res = await app.inject({ method: 'GET', url: COMPUTE_PATH, query: { consumerAddress: alice.address, documentId: DID } })
  t.equal(res.json().length, 1)
  res = await app.inject({ method: 'GET', url: `${COMPUTE_PATH}?consumerAddress=${alice.address}&documentId=&jobId=` })
  t.equal(res.json().length, 2)
  res = await app.inject({ method: 'GET', url: COMPUTE_PATH, query: { consumerAddress: alice.address, jobId: 'nope' } })
  t.same(res.json(), [])
})

t.test('never shows another owner\'s jobs, even when the operator ignores the owner filter', async t => {
  const { app, operator } = await build()
  await seed(operator)
  operator.status = async () => [...operator.jobs.values()]
  const res = await app.inject({ method: 'GET', url: COMPUTE_PATH, query: { consumerAddress: alice.address.toLowerCase(), signature: await sign(alice, { consumerAddress: alice.address.toLowerCase() }) } })
  t.equal(res.statusCode, 200)
  t.equal(res.json().length, 2)
  t.ok(res.json().every((job: { owner: string }) => job.owner === alice.address))
})

t.test('with requireSignedStatus, answers 401 without a valid signature and full jobs with one', async t => {
  const { app, operator } = await build({ requireSignedStatus: true })
  await seed(operator)
  let res = await app.inject({ method: 'GET', url: COMPUTE_PATH, query: { consumerAddress: alice.address } })
  t.equal(res.statusCode, 401)
  t.same(res.json(), { error: 'Invalid signature provided.' })
  res = await app.inject({ method: 'GET', url: COMPUTE_PATH, query: { consumerAddress: alice.address, signature: '0x1234' } })
  t.equal(res.statusCode, 401)
  res = await app.inject({ method: 'GET', url: COMPUTE_PATH, query: { consumerAddress: alice.address, signature: await sign(alice) } })
  t.equal(res.statusCode, 200)
  t.equal(res.json()[0].owner, alice.address)
  t.equal(operator.calls.length, 1, 'the operator is asked only for the signed request')
})

t.test('answers 400 for a missing or malformed consumerAddress', async t => {
  const { app } = await build()
  let res = await app.inject({ method: 'GET', url: COMPUTE_PATH })
  t.equal(res.statusCode, 400)
  t.same(res.json(), { error: 'The consumerAddress field is required.', errors: { consumerAddress: ['The consumerAddress field is required.'] } })
  res = await app.inject({ method: 'GET', url: COMPUTE_PATH, query: { consumerAddress: 'undefined' } })
  t.equal(res.statusCode, 400)
  t.match(res.json().error, /must be an Ethereum address/)
})

t.test('hides an operator\'s list of result files from an unsigned request, and shows it to the owner with links to computeResult', async t => {
  const { app, operator } = await build()
  await seed(operator)
  const honest = operator.status.bind(operator)
  operator.status = async query => (await honest(query)).map(job => ({
    ...job,
    results: [{ filename: 'out.csv', type: 'output', url: 'http://operator.internal/out.csv' }, { filename: 'algorithm.log', type: 'algorithmLog' }],
    resultsUrl: ['http://operator.internal/out.csv']
  }))
  const unsigned = await app.inject({ method: 'GET', url: COMPUTE_PATH, query: { consumerAddress: alice.address } })
  t.ok(unsigned.json().length > 0 && unsigned.json().every((job: object) => !('results' in job)))
  const signed = await app.inject({ method: 'GET', url: COMPUTE_PATH, query: { consumerAddress: alice.address, signature: await sign(alice) } })
  const [job] = signed.json()
  const link = (index: number) => `${PREFIX}/computeResult?consumerAddress=${alice.address}&jobId=${job.jobId}&index=${index}`
  t.same(job.results, [{ index: 0, filename: 'out.csv', type: 'output', url: link(0) }, { index: 1, filename: 'algorithm.log', type: 'algorithmLog', url: link(1) }],
    'each result links to this plugin\'s own route, whatever URL the operator gave')
  t.same([job.resultsUrl, job.algorithmLogUrl], [[link(0)], link(1)], 'the reference provider\'s fields follow the same links')
})

t.test('a jobId with a lone surrogate, valid JSON from an operator, is linked, not a 500', async t => {
  const { app, operator } = await build()
  await seed(operator)
  const honest = operator.status.bind(operator)
  operator.status = async query => (await honest(query)).map(job => ({ ...job, jobId: 'job-\ud800', results: [{ filename: 'out.csv' }] }))
  const res = await app.inject({ method: 'GET', url: COMPUTE_PATH, query: { consumerAddress: alice.address, signature: await sign(alice) } })
  t.equal(res.statusCode, 200)
  t.match(res.json()[0].results[0].url, /&jobId=job-%EF%BF%BD&index=0$/)
})

t.test('a job without a list of results keeps the result URLs its operator gave', async t => {
  const { app, operator } = await build()
  await seed(operator)
  const honest = operator.status.bind(operator)
  operator.status = async query => (await honest(query)).map(job => ({ ...job, results: undefined, resultsUrl: ['https://storage.example/out.csv'], algorithmLogUrl: 'https://storage.example/log' }))
  const [job] = (await app.inject({ method: 'GET', url: COMPUTE_PATH, query: { consumerAddress: alice.address, signature: await sign(alice) } })).json()
  t.same([job.results, job.resultsUrl, job.algorithmLogUrl], [undefined, ['https://storage.example/out.csv'], 'https://storage.example/log'])
})

t.test('a signed status and a start act for the address the verifier vouches for, not the claimed one', async t => {
  // A host verifier that maps a signing key to the account it manages.
  const { app, operator } = await build({ verifier: { verify: () => bob.address } })
  const { b1 } = await seed(operator)
  const res = await app.inject({ method: 'GET', url: COMPUTE_PATH, query: { consumerAddress: alice.address, signature: 'ok' } })
  t.same(res.json().map((job: { jobId: string }) => job.jobId), [b1.jobId])
  const started = await app.inject({ method: 'POST', url: COMPUTE_PATH, query: { consumerAddress: alice.address, signature: 'ok', algorithmDid: 'did:op:x', output: '{}' } })
  t.equal(started.statusCode, 200)
  t.equal(started.json()[0].owner, bob.address)
})
