import t, { type Test } from 'tap'
import { subscribe, unsubscribe } from 'node:diagnostics_channel'
import { mkdir, realpath, rm, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { CHANNELS, errors, type JobMessage } from '../../../lib/index.js'
import { build, COMPUTE_PATH } from '../../helpers/build.js'
import { fairnessRun } from '../../helpers/fairness.js'
import { alice, sign } from '../../helpers/sign.js'
import { until } from '../../helpers/until.js'
import { ALGORITHMS, DID, OWNER, context, currentJob, engine, running, start, tempDir, waitFor, workflow } from './helpers.js'

/** The job channel's messages while the test runs. */
function jobMessages (t: Test): JobMessage[] {
  const messages: JobMessage[] = []
  const listener = (message: unknown) => { messages.push(message as JobMessage) }
  subscribe(CHANNELS.job, listener)
  t.teardown(() => { unsubscribe(CHANNELS.job, listener) })
  return messages
}

t.test('one consumer starting 100 jobs and nine others one each: the nine leave the queue before the greedy one\'s third', async t => {
  const operator = await engine(t, { maxConcurrentJobs: 2, maxJobsPerConsumer: 100 })
  const { order, greedyThird, others } = await fairnessRun(operator, workflow({ rawcode: 'setTimeout(() => {}, 100)' }), context())
  t.ok(others.every(index => index < greedyThird), `order: ${order.map(owner => owner.slice(0, 3)).join(' ')}`)
})

t.test('refuse (the default): past maxJobsPerConsumer a start is a 429 naming the limit, until a job ends', async t => {
  const operator = await engine(t, { maxJobsPerConsumer: 2 })
  const { app } = await build({ operator })
  t.teardown(async () => await app.close())
  // Concurrent starts cannot pass the limit together.
  const tries = await Promise.allSettled([1, 2, 3, 4, 5].map(async () => await start(operator, { rawcode: ALGORITHMS.sleep })))
  t.equal(tries.filter(result => result.status === 'fulfilled').length, 2)
  t.ok(tries.every(result => result.status === 'fulfilled' || result.reason instanceof errors.ConsumerLimitError))
  const [first] = tries.flatMap(result => result.status === 'fulfilled' ? [result.value] : [])
  const res = await app.inject({
    method: 'POST',
    url: COMPUTE_PATH,
    payload: { consumerAddress: OWNER, signature: await sign(alice, { documentId: DID }), documentId: DID, algorithmMeta: { rawcode: ALGORITHMS.sleep, container: { entrypoint: 'node $ALGO' } }, output: {} }
  })
  t.equal(res.statusCode, 429)
  t.match(res.json(), { error: /already has 2 unfinished jobs[^]*\(maxJobsPerConsumer\)/ })
  t.equal((await operator.status({ owner: OWNER }, context())).length, 2, 'nothing was recorded for the refused starts')
  const other = await operator.start({ workflow: workflow({ rawcode: ALGORITHMS.sleep }), owner: '0x' + '5'.repeat(40), documentId: DID }, context())
  t.equal(other.length, 1, 'another consumer starts')
  await operator.stop({ owner: OWNER, jobId: first!.jobId }, context())
  t.ok(await start(operator, { rawcode: ALGORITHMS.sleep }), 'a job that ended frees a place')
})

t.test('wait: past maxJobsPerConsumer the start is accepted and waits in status 1 while a slot is free for others', async t => {
  const operator = await engine(t, { maxJobsPerConsumer: 1, consumerLimit: 'wait', maxConcurrentJobs: 3 })
  const first = await start(operator, { rawcode: ALGORITHMS.sleep })
  const second = await start(operator, { rawcode: ALGORITHMS.sleep })
  await waitFor(operator, first.jobId, running)
  const owner = '0x' + '5'.repeat(40)
  await operator.start({ workflow: workflow({ rawcode: ALGORITHMS.sleep }), owner, documentId: DID }, context())
  await until(async () => (await operator.status({ owner }, context())).find(job => job.status === 40), 'the other consumer\'s job to run', 15_000)
  t.equal((await currentJob(operator, second.jobId))?.status, 1, 'the consumer\'s second job still waits')
  await operator.stop({ owner: OWNER, jobId: first.jobId }, context())
  await waitFor(operator, second.jobId, running)
})

t.test('engine options: maxJobsPerConsumer, consumerLimit and retainSeconds are checked', async t => {
  await t.rejects(engine(t, { consumerLimit: 'queue' as 'wait' }), /localOperator: consumerLimit must be 'refuse' or 'wait', got queue/)
  await t.rejects(engine(t, { maxJobsPerConsumer: 0 }), /maxJobsPerConsumer must be a positive integer/)
  await t.rejects(engine(t, { retainSeconds: -1 }), /retainSeconds must be a positive integer/)
})

t.test('the engine publishes each job queued, running and finished, with its wait, duration and output bytes', async t => {
  const messages = jobMessages(t)
  const operator = await engine(t, { maxConcurrentJobs: 1 })
  const counted = await start(operator, { rawcode: ALGORITHMS.count })
  const queued = await start(operator, { rawcode: ALGORITHMS.sleep })
  const done = await waitFor(operator, counted.jobId)
  const outputBytes = done.results.filter(result => result.type === 'output').reduce((sum, result) => sum + (result.filesize ?? 0), 0)
  t.ok(outputBytes > 0)
  await waitFor(operator, queued.jobId, running)
  await operator.stop({ owner: OWNER, jobId: queued.jobId }, context())
  const of = (jobId: string) => messages.filter(message => message.jobId === jobId)
  t.match(of(counted.jobId), [
    // A job that finds a slot free has it by the time it is published queued.
    { engine: 'local compute engine', owner: OWNER, state: 'queued', status: 1, queued: 0, running: 1 },
    { state: 'running', status: 1, running: 1, waited: Number },
    { state: 'finished', status: 70, stopreq: 0, outputBytes, duration: Number }
  ])
  t.ok(of(counted.jobId)[2]!.duration! > 0)
  t.match(of(queued.jobId), [{ state: 'queued', queued: 1, running: 1 }, { state: 'running' }, { state: 'finished', status: 70, stopreq: 1, outputBytes: 0, running: 0 }])
})

t.test('a job stopped while queued is published finished, with its wait and no duration', async t => {
  const messages = jobMessages(t)
  const operator = await engine(t, { maxConcurrentJobs: 1 })
  await start(operator, { rawcode: ALGORITHMS.sleep })
  const waiting = await start(operator, { rawcode: ALGORITHMS.sleep })
  await operator.stop({ owner: OWNER, jobId: waiting.jobId }, context())
  t.match(messages.filter(message => message.jobId === waiting.jobId), [
    { state: 'queued', queued: 1, running: 1 },
    { state: 'finished', status: 70, stopreq: 1, duration: 0, waited: Number, queued: 0 }
  ])
})

t.test('a start that cannot be recorded (the disk failed) does not count against the consumer', async t => {
  const dataDir = await tempDir(t)
  const operator = await engine(t, { dataDir, maxJobsPerConsumer: 1 })
  await operator.status({ owner: OWNER }, context())
  const records = join(await realpath(dataDir), 'records')
  await rm(records, { recursive: true })
  await writeFile(records, 'not a folder')
  await t.rejects(start(operator, { rawcode: ALGORITHMS.count }), { code: 'ENOTDIR' })
  await rm(records)
  await mkdir(records)
  const { jobId } = await start(operator, { rawcode: ALGORITHMS.count })
  t.match(await waitFor(operator, jobId), { status: 70 }, 'its one place is free again')
})
