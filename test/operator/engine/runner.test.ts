import t from 'tap'
import { Engine } from '../../../lib/operator/engine/engine.js'
import { splitEntrypoint } from '../../../lib/operator/engine/entrypoint.js'
import { resolveEngineOptions } from '../../../lib/operator/engine/options.js'
import { RunFailure, type AlgorithmRunner, type PreparedJob, type RunOutcome } from '../../../lib/operator/engine/runner.js'
import { CSV_PATH, DID, context, namedText, recordingLog, start, tempDir, waitFor } from '../local/helpers.js'
import type { LocalOperator } from '../../../lib/index.js'

// The seam between the job machine and a runner, with a runner of the test's: one failure
// type (RunFailure) for provisioning and running, one log writer on the engine's side.

function engineWith (t: Parameters<typeof tempDir>[0], dataDir: string, runner: Partial<AlgorithmRunner>): LocalOperator {
  const operator = new Engine('test engine', resolveEngineOptions('test', { dataDir, datasets: { [DID]: CSV_PATH }, maxLogBytes: 10 }), {
    entrypoint: splitEntrypoint,
    provision: async () => {},
    run: async () => ({ exitCode: 0, summary: 'ran' }),
    ...runner
  })
  t.teardown(async () => await operator.close())
  return operator as unknown as LocalOperator
}

t.test('a RunFailure from provision or run ends the job at 32 with its message; any other error is the provider\'s', async t => {
  const cases: Array<[string, Partial<AlgorithmRunner>, object]> = [
    ['provision', { provision: async () => { throw new RunFailure('No such image.') } }, { status: 32, error: 'No such image.' }],
    ['run', { run: async () => { throw new RunFailure('Could not start.') } }, { status: 32, error: 'Could not start.' }],
    ['provision, other', { provision: async () => { throw new Error('EIO') } }, { status: 70, error: 'The provider failed while running the job.' }],
    ['run, other', { run: async () => { throw new Error('EIO') } }, { status: 70, error: 'The provider failed while running the job.' }]
  ]
  for (const [name, runner, expected] of cases) {
    const operator = engineWith(t, await tempDir(t), runner)
    const log = recordingLog()
    const job = await waitFor(operator, (await start(operator, { rawcode: 'x' }, context(log))).jobId)
    t.match(job, expected, name)
    if ((expected as { status: number }).status === 32) t.match(await namedText(operator, job.jobId, 'engine.log'), (expected as { error: string }).error, 'the engine\'s log says so')
    else t.equal(log.errors.length, 1, 'the provider\'s log has the cause')
  }
})

t.test('what a runner hands the log is capped by the engine, which says so in its own log', async t => {
  const operator = engineWith(t, await tempDir(t), {
    run: async (job: PreparedJob) => {
      job.log.write(Buffer.from('0123456789abcdef'))
      return { exitCode: 0, summary: 'ran' }
    }
  })
  const job = await waitFor(operator, (await start(operator, { rawcode: 'x' })).jobId)
  t.match(job.results, [{ filename: 'algorithm.log', filesize: 10 }, { filename: 'engine.log' }])
  t.equal(await namedText(operator, job.jobId, 'engine.log'), '[engine] ran\n[engine] the algorithm\'s log was cut at 10 bytes\n')
})

t.test('after a restart a job still running outside the process is waited for again, with its log', async t => {
  const dataDir = await tempDir(t)
  let release = () => {}
  const first = engineWith(t, dataDir, {
    run: async (_job, signal) => await new Promise<RunOutcome>(resolve => {
      release = () => resolve({ detached: true })
      signal.addEventListener('abort', release)
    })
  })
  const { jobId } = await start(first, { rawcode: 'x' })
  await waitFor(first, jobId, job => job.status === 40)
  await first.close() // the run is left running: 'detached'
  const second = engineWith(t, dataDir, {
    recover: async (jobIds: string[]) => new Map(jobIds.map(id => [id, async (job: PreparedJob) => {
      job.log.write(Buffer.from('late'))
      return { exitCode: 0, summary: 'found again' }
    }]))
  })
  const job = await waitFor(second, jobId)
  t.match(job, { status: 70, exitCode: 0 })
  t.equal(await namedText(second, jobId, 'algorithm.log'), 'late')
  t.match(await namedText(second, jobId, 'engine.log'), /found again/)
})
