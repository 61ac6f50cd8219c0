import t from 'tap'
import { access, mkdir } from 'node:fs/promises'
import { join } from 'node:path'
import { localOperator } from '../../../lib/index.js'
import { JobStore } from '../../../lib/operator/engine/job-store.js'
import { Retention } from '../../../lib/operator/engine/retention.js'
import { createRecord, unixNow } from '../../../lib/operator/engine/record.js'
import { build, COMPUTE_PATH } from '../../helpers/build.js'
import { alice, sign } from '../../helpers/sign.js'
import { until } from '../../helpers/until.js'
import { ALGORITHMS, OWNER, context, currentJob, engine, layoutOf, resultText, start, tempDir, waitFor } from './helpers.js'

const exists = async (path: string) => await access(path).then(() => true, () => false)

t.test('a finished job says when its folder goes; after retainSeconds it is gone, and its status says so', async t => {
  const dataDir = await tempDir(t)
  const operator = await engine(t, { dataDir, retainSeconds: 2 })
  const { jobId } = await start(operator, { rawcode: ALGORITHMS.count })
  const running = await currentJob(operator, jobId)
  t.equal(running?.expires, undefined, 'an unfinished job has no expiry')
  const done = await waitFor(operator, jobId)
  t.equal(done.expires, done.dateFinished! + 2)
  t.equal(await resultText(operator, jobId, 0), '16', 'its results are there meanwhile')
  const { dir } = await layoutOf(dataDir, jobId)
  const expired = await until(async () => { const job = await currentJob(operator, jobId); return job?.expired === true ? job : undefined }, 'the folder to be deleted', 8000, 100)
  t.match(expired, { status: 70, statusText: 'Job completed', results: [], expires: done.expires })
  t.notOk(await exists(dir), 'the job folder is deleted')
  t.equal(await resultText(operator, jobId, 0), undefined, 'its results are no more')

  // Through the routes: the status answers it, the result is a 404.
  const { app } = await build({ operator })
  t.teardown(async () => await app.close())
  const status = await app.inject({ method: 'GET', url: COMPUTE_PATH, query: { consumerAddress: alice.address, jobId, signature: await sign(alice, { jobId }) } })
  t.match(status.json(), [{ jobId, expired: true, expires: done.expires, results: [] }])
  const result = await app.inject({ method: 'GET', url: '/api/v1/services/computeResult', query: { consumerAddress: alice.address, jobId, index: '0', signature: await alice.signMessage({ message: alice.address + jobId + '0' }) } })
  t.equal(result.statusCode, 404)
})

t.test('the default keeps a job\'s folder for 7 days', async t => {
  const operator = await engine(t)
  const { jobId } = await start(operator, { rawcode: ALGORITHMS.count })
  const done = await waitFor(operator, jobId)
  t.equal(done.expires, done.dateFinished! + 7 * 24 * 3600)
})

t.test('jobs due while the provider was down are deleted when the next engine starts', async t => {
  const dataDir = await tempDir(t)
  const first = localOperator({ dataDir, datasets: {} })
  const { jobId } = await start(first, { rawcode: 'console.log(1)', inputs: [] })
  await waitFor(first, jobId)
  await first.close()
  const { dir } = await layoutOf(dataDir, jobId)
  t.ok(await exists(dir))
  await new Promise(resolve => setTimeout(resolve, 1100))
  const second = await engine(t, { dataDir, retainSeconds: 1 })
  const [job] = await until(async () => { const jobs = await second.status({ owner: OWNER, jobId }, context()); return jobs[0]?.expired === true ? jobs : undefined }, 'the sweep at start', 5000, 50)
  t.match(job, { jobId, expired: true, results: [] })
  t.notOk(await exists(dir))
})

t.test('a sweep leaves unfinished, not yet due and already expired jobs alone, and tries a failed one again', async t => {
  const dataDir = await tempDir(t)
  const store = new JobStore(join(dataDir, 'records'))
  await store.load()
  const retention = new Retention(60)
  const now = unixNow()
  const job = (jobId: string, changes: object) => ({ ...createRecord({ jobId, owner: OWNER, agreementId: '', documentId: '', inputDID: [], algoDID: 'raw', container: {} }), ...changes })
  const records = {
    running: job('running', { status: 40 }),
    recent: job('recent', { status: 70, dateFinished: now - 30 }),
    due: job('due', { status: 70, dateFinished: now - 61, results: [{ filename: 'x', filesize: 1, type: 'output' }] }),
    gone: job('gone', { status: 70, dateFinished: now - 600, expired: true })
  }
  for (const record of Object.values(records)) await store.add(record)
  const folders = Object.fromEntries(Object.keys(records).map(jobId => [jobId, join(dataDir, 'jobs', jobId)]))
  for (const folder of Object.values(folders)) await mkdir(folder, { recursive: true })

  // A store that cannot write (a full disk): the folder is deleted, the record is not marked, and the next sweep tries again.
  const failing = { all: () => store.all(), save: async () => { throw new Error('ENOSPC') } } as unknown as JobStore
  await retention.sweep(dataDir, failing, now)
  t.notOk(records.due.expired)
  await retention.sweep(dataDir, store, now)
  t.match(records.due, { expired: true, results: [] })
  t.notOk(await exists(folders.due!))
  for (const jobId of ['running', 'recent', 'gone'] as const) t.ok(await exists(folders[jobId]!), `${jobId} is kept`)
  t.equal(retention.expires(records.running), undefined)
})

t.test('a deleted folder gives its bytes back to the engine\'s disk budget', async t => {
  const operator = await engine(t, { retainSeconds: 2, maxOutputBytes: 100, maxDiskBytes: 120 })
  const { jobId } = await start(operator, { rawcode: ALGORITHMS.count })
  const done = await waitFor(operator, jobId)
  t.ok(done.results.reduce((sum, result) => sum + (result.filesize ?? 0), 0) > 20, 'the job holds more than the room a new one needs')
  await t.rejects(start(operator, { rawcode: ALGORITHMS.count }), { code: 'FST_COMPUTE_OPERATOR_UNAVAILABLE' }, 'no room for another job\'s results')
  await until(async () => (await currentJob(operator, jobId))?.expired, 'the folder to be deleted', 8000, 100)
  t.ok(await start(operator, { rawcode: ALGORITHMS.count }), 'once it went, a job starts')
})
