import t, { type Test } from 'tap'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Readable } from 'node:stream'
import type { FastifyInstance } from 'fastify'
import { localOperator, type ComputeOperator, type LocalJobStatus } from '../../lib/index.js'
import { build, PREFIX, COMPUTE_PATH } from '../helpers/build.js'
import { MemoryOperator } from '../helpers/memory-operator.js'
import { newJob, workflow } from '../helpers/jobs.js'
import { alice, bob, sign, DID } from '../helpers/sign.js'
import { until } from '../helpers/until.js'

const RESULT = `${PREFIX}/computeResult`
const COUNT_ROWS = `const fs = require('fs'), path = require('path')
const [did] = JSON.parse(process.env.DIDS)
const rows = fs.readFileSync(path.join(process.env.INPUTS, did, '0'), 'utf8').trim().split('\\n').length - 1
fs.writeFileSync(path.join(process.env.OUTPUTS, 'rows.txt'), String(rows))`

async function signResult (account: typeof alice, jobId: string, index: number | string, consumerAddress: string = account.address) {
  return await account.signMessage({ message: consumerAddress + jobId + String(index) })
}

/** A provider with the local engine on a temp folder, closed (with the engine) after the test. */
async function provider (t: Test): Promise<FastifyInstance> {
  const dataDir = await mkdtemp(join(tmpdir(), 'foc-result-'))
  const { app } = await build({
    operator: localOperator({ dataDir, datasets: { [DID]: new URL('../../examples/data/sample.csv', import.meta.url).pathname } })
  })
  t.teardown(async () => {
    await app.close()
    await rm(dataDir, { recursive: true, force: true })
  })
  return app
}

async function startJob (app: FastifyInstance, rawcode: string, documentId = DID) {
  return await app.inject({
    method: 'POST',
    url: COMPUTE_PATH,
    payload: {
      consumerAddress: alice.address,
      signature: await sign(alice, { documentId }),
      documentId,
      algorithmMeta: { rawcode, container: { entrypoint: 'node $ALGO', image: 'node', tag: '20' } },
      output: {}
    }
  })
}

async function statusUntil (app: FastifyInstance, jobId: string, done: (job: LocalJobStatus) => boolean): Promise<LocalJobStatus> {
  return await until(async () => {
    const res = await app.inject({ method: 'GET', url: COMPUTE_PATH, query: { consumerAddress: alice.address, jobId, signature: await sign(alice, { jobId }) } })
    const [job] = res.json() as LocalJobStatus[]
    return job !== undefined && done(job) ? job : undefined
  }, `job ${jobId} to get there`)
}

t.test('a job runs end to end through the routes and computeResult streams its output', async t => {
  const app = await provider(t)
  const started = await startJob(app, COUNT_ROWS)
  t.equal(started.statusCode, 200)
  const [{ jobId }] = started.json() as [LocalJobStatus]
  const job = await statusUntil(app, jobId, job => job.status === 70)
  t.match(job, { owner: alice.address, exitCode: 0, stopreq: 0, results: [{ index: 0, filename: 'rows.txt', type: 'output' }, { index: 1, filename: 'algorithm.log', type: 'log' }, { index: 2, filename: 'engine.log', type: 'log' }] })

  // The listed COMPUTE_PATH is the route's, without the signature the client adds.
  const url = `${job.results[0]!.url}&signature=${await signResult(alice, jobId, 0)}`
  const output = await app.inject({ method: 'GET', url })
  t.equal(output.statusCode, 200)
  t.equal(output.body, '16')
  t.equal(output.headers['content-type'], 'text/plain; charset=utf-8')
  t.equal(output.headers['content-length'], '2')
  t.equal(output.headers['content-disposition'], 'attachment; filename="rows.txt"')

  const log = await app.inject({ method: 'GET', url: RESULT, query: { consumerAddress: alice.address, jobId, index: '2', signature: await signResult(alice, jobId, 2) } })
  t.equal(log.statusCode, 200)
  t.match(log.body, /container image node:20 ignored[^]*exited with code 0/)

  t.test('400 for missing or malformed parameters', async t => {
    const signature = await signResult(alice, jobId, 0)
    const cases: Array<[Record<string, string>, string, string]> = [
      [{ jobId, index: '0', signature }, 'consumerAddress', 'The consumerAddress field is required.'],
      [{ consumerAddress: alice.address, index: '0', signature }, 'jobId', 'The jobId field is required.'],
      [{ consumerAddress: alice.address, jobId, signature }, 'index', 'The index field is required.'],
      [{ consumerAddress: alice.address, jobId, index: '0' }, 'signature', 'The signature field is required.'],
      [{ consumerAddress: alice.address, jobId, index: 'first', signature }, 'index', 'The index field must be a whole number.'],
      [{ consumerAddress: alice.address, jobId, index: '-1', signature }, 'index', 'The index field is invalid.']
    ]
    for (const [query, field, message] of cases) {
      const res = await app.inject({ method: 'GET', url: RESULT, query })
      t.equal(res.statusCode, 400, field)
      t.same(res.json(), { error: message, errors: { [field]: [message] } }, field)
    }
  })

  t.test('401 for a signature over anything else, or by anyone else', async t => {
    for (const signature of [await sign(alice, { jobId }), await signResult(alice, jobId, 1), await signResult(bob, jobId, 0, alice.address), '0x1234']) {
      const res = await app.inject({ method: 'GET', url: RESULT, query: { consumerAddress: alice.address, jobId, index: '0', signature } })
      t.equal(res.statusCode, 401)
      t.same(res.json(), { error: 'Invalid signature provided.' })
    }
  })

  t.test('404 for another consumer\'s job, an unknown job or an index past the end', async t => {
    const cases: Array<[typeof alice, string, number]> = [[bob, jobId, 0], [alice, 'f'.repeat(32), 0], [alice, jobId, 3]]
    for (const [account, id, index] of cases) {
      const res = await app.inject({ method: 'GET', url: RESULT, query: { consumerAddress: account.address, jobId: id, index: String(index), signature: await signResult(account, id, index) } })
      t.equal(res.statusCode, 404)
      t.same(res.json(), { error: `The job has no result ${index} for this consumer.` })
    }
  })
})

t.test('the engine\'s refusals reach the client as 400s naming the problem', async t => {
  const app = await provider(t)
  const unknown = await startJob(app, COUNT_ROWS, 'did:op:unknown')
  t.equal(unknown.statusCode, 400)
  t.same(unknown.json(), { error: 'The documentId did:op:unknown is not a dataset of this provider.' })
})

t.test('stop and delete through the routes', async t => {
  const app = await provider(t)
  const [{ jobId }] = (await startJob(app, 'setTimeout(() => {}, 60000)')).json() as [LocalJobStatus]
  await statusUntil(app, jobId, job => job.status === 40)
  const query = { consumerAddress: alice.address, jobId, signature: await sign(alice, { jobId }) }
  const stopped = await app.inject({ method: 'PUT', url: COMPUTE_PATH, query })
  t.match(stopped.json(), [{ jobId, status: 70, stopreq: 1 }])
  const deleted = await app.inject({ method: 'DELETE', url: COMPUTE_PATH, query })
  t.match(deleted.json(), [{ jobId, removed: 1 }])
  t.same((await app.inject({ method: 'GET', url: COMPUTE_PATH, query })).json(), [])
})

t.test('operators without results, and failing ones', async t => {
  const query = async (jobId: string) => ({ consumerAddress: alice.address, jobId, index: '0', signature: await signResult(alice, jobId, 0) })

  t.test('no result() method: 404', async t => {
    const { app } = await build()
    const res = await app.inject({ method: 'GET', url: RESULT, query: await query('a') })
    t.equal(res.statusCode, 404)
    t.same(res.json(), { error: 'This provider serves no results.' })
    // Answered before the signature is checked: a nonce-protected client spends nothing on it.
    const unsigned = await app.inject({ method: 'GET', url: RESULT, query: { ...await query('a'), signature: '0x00' } })
    t.equal(unsigned.statusCode, 404)
  })

  // Operators that know alice's job 'a'.
  const withJob = () => {
    const operator = new MemoryOperator()
    operator.jobs.set('a', { ...newJob({ owner: alice.address, workflow }), jobId: 'a' })
    return operator
  }
  const failing = (err: Error): ComputeOperator => Object.assign(withJob(), { result: async () => { throw err } })

  t.test('an operator that ignores the owner cannot hand out another consumer\'s result', async t => {
    const careless = Object.assign(withJob(), {
      status: async () => [...careless.jobs.values()],
      result: async () => ({ name: 'secret.csv', size: 6, contentType: 'text/csv', stream: Readable.from(['secret']) })
    })
    const { app } = await build({ operator: careless })
    const theirs = await app.inject({ method: 'GET', url: RESULT, query: { consumerAddress: bob.address, jobId: 'a', index: '0', signature: await signResult(bob, 'a', 0) } })
    t.equal(theirs.statusCode, 404)
    t.notMatch(theirs.body, /secret/)
    const mine = await app.inject({ method: 'GET', url: RESULT, query: await query('a') })
    t.equal(mine.body, 'secret', 'the owner gets it')
  })

  t.test('an operator that never hands over the file gives a 503 within operatorTimeout', async t => {
    const hanging = Object.assign(withJob(), { result: async () => await new Promise<undefined>(() => {}) })
    const { app } = await build({ operator: hanging, operatorTimeout: 100 })
    const started = Date.now()
    const res = await app.inject({ method: 'GET', url: RESULT, query: await query('a') })
    t.equal(res.statusCode, 503)
    t.same(res.json(), { error: 'The compute operator did not answer within 100 ms.' })
    t.ok(Date.now() - started < 2000, 'bounded')
  })

  t.test('a 4xx of the operator passes on, anything else is a 503', async t => {
    const refused = await build({ operator: failing(Object.assign(new Error('That result is archived.'), { statusCode: 410 })) })
    const gone = await refused.app.inject({ method: 'GET', url: RESULT, query: await query('a') })
    t.equal(gone.statusCode, 410)
    t.same(gone.json(), { error: 'That result is archived.' })

    const broken = await build({ operator: failing(new Error('disk at http://internal:9000 failed')) })
    const res = await broken.app.inject({ method: 'GET', url: RESULT, query: await query('a') })
    t.equal(res.statusCode, 503)
    t.same(res.json(), { error: 'The compute operator failed.' })
  })
})
