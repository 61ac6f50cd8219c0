import t from 'tap'
import { subscribe, unsubscribe } from 'node:diagnostics_channel'
import { join } from 'node:path'
import { CHANNELS, type JobMessage } from '../../../lib/index.js'
import { Engine } from '../../../lib/operator/engine/engine.js'
import { JobStore } from '../../../lib/operator/engine/job-store.js'
import { resolveEngineOptions } from '../../../lib/operator/engine/options.js'
import { createRecord } from '../../../lib/operator/engine/record.js'
import { splitEntrypoint } from '../../../lib/operator/engine/entrypoint.js'
import { RunFailure, type AlgorithmRunner, type RunOutcome } from '../../../lib/operator/engine/runner.js'
import { until } from '../../helpers/until.js'
import { context, OWNER, tempDir, workflow, DID } from '../local/helpers.js'

// A runner whose algorithms run outside the process (as containers do): after a restart it
// finds the job recorded as running still running, and hands back a wait for its end.
function outsideRunner (end: Promise<void>): AlgorithmRunner {
  return {
    entrypoint: splitEntrypoint,
    provision: async () => {},
    run: async () => { throw new RunFailure('not in this test') },
    recover: async jobIds => new Map(jobIds.map(jobId => [jobId, async (): Promise<RunOutcome> => {
      await end
      return { exitCode: 0, summary: 'ended outside' }
    }]))
  }
}

t.test('a job found running after a restart holds its slot and its consumer\'s place until it ends', async t => {
  const dataDir = await tempDir(t)
  const store = new JobStore(join(dataDir, 'records'))
  await store.load()
  const record = { ...createRecord({ jobId: 'a'.repeat(32), owner: OWNER, agreementId: '', documentId: DID, inputDID: [DID], algoDID: 'raw', container: {} }), status: 40 }
  await store.add(record)

  const messages: JobMessage[] = []
  const listener = (message: unknown) => { messages.push(message as JobMessage) }
  subscribe(CHANNELS.job, listener)
  t.teardown(() => { unsubscribe(CHANNELS.job, listener) })
  let end: () => void
  const ended = new Promise<void>(resolve => { end = resolve })
  const options = resolveEngineOptions('testEngine', { dataDir, datasets: { [DID]: '/dev/null' }, maxConcurrentJobs: 1, maxJobsPerConsumer: 1 })
  const engine = new Engine('test engine', options, outsideRunner(ended))
  t.teardown(async () => await engine.close())

  await t.rejects(engine.start({ workflow: workflow({ rawcode: '1' }), owner: OWNER, documentId: DID }, context()), { code: 'FST_COMPUTE_CONSUMER_LIMIT' }, 'the resumed job is the consumer\'s one place')
  const [other] = await engine.start({ workflow: workflow({ rawcode: '1' }), owner: '0x' + '5'.repeat(40), documentId: DID }, context())
  t.match(messages.find(message => message.jobId === other!.jobId), { state: 'queued', queued: 1, running: 1 }, 'another consumer waits for the one slot')
  await new Promise(resolve => setTimeout(resolve, 20))
  end!()
  const finished = await until(() => messages.find(message => message.jobId === record.jobId && message.state === 'finished'), 'the resumed job to end', 10_000)
  t.match(finished, { status: 70, stopreq: 0 })
  t.ok(finished.duration! >= 20, 'timed from its resumption')
  await until(() => messages.find(message => message.jobId === other!.jobId && message.state === 'running'), 'its slot to go to the waiting job', 10_000)
})
