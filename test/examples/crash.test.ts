import t from 'tap'
import { execFileSync, spawn, type ChildProcess } from 'node:child_process'
import { once } from 'node:events'
import { mkdtemp, readdir, readFile, realpath, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { SAMPLE_DID } from '../../examples/data/sample.js'
import type { LocalJobStatus } from '../../lib/index.js'
import { INTERRUPTED_TEXT } from '../../lib/operator/engine/lifecycle.js'
import { alice, sign } from '../helpers/sign.js'
import { until } from '../helpers/until.js'

// Two provider processes through tsx and five jobs: on a busy 2-core machine the file took
// 57 s of tap's 60 here, and its teardown ran past them. The waits are for events.
t.setTimeout(240_000)

// The example provider killed with SIGKILL while jobs run, then started again on the
// same DATA_DIR: no job is lost, the unfinished ones are final and marked interrupted,
// the finished one and its result are as they were, and no record is corrupt.
const ROOT = new URL('../..', import.meta.url).pathname
const KEY = '0x4c0883a69102937d6231471b5dbb6204fe5129617082792ae468d01a3f362318'
const COMPUTE = '/api/v1/services/compute'

type Provider = ChildProcess & { output: () => string, url: string }

async function startProvider (dataDir: string): Promise<Provider> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'examples/provider-server.ts'], {
    cwd: ROOT,
    env: { ...process.env, PORT: '0', HOST: '127.0.0.1', DATA_DIR: dataDir, PROVIDER_PRIVATE_KEY: KEY }
  })
  let output = ''
  child.stdout!.on('data', chunk => { output += String(chunk) })
  child.stderr!.on('data', chunk => { output += String(chunk) })
  const url = await until(() => {
    if (child.exitCode !== null) throw new Error(`the provider ended: ${output}`)
    return /Provider listening at (http:\/\/\S+)/.exec(output)?.[1]
  }, 'the provider to listen')
  return Object.assign(child, { output: () => output, url })
}

/** The algorithm processes of jobs under `dataDir` (their command line names their job folder). */
function algorithmPids (dataDir: string): number[] {
  const jobs = join(dataDir, 'jobs') + '/'
  return execFileSync('ps', ['-eo', 'pid=,args='], { encoding: 'utf8' }).split('\n')
    .filter(line => line.includes(jobs))
    .map(line => Number.parseInt(line.trim(), 10))
    .filter(pid => Number.isInteger(pid) && pid !== process.pid)
}

function killAlgorithms (dataDir: string): number {
  const pids = algorithmPids(dataDir)
  for (const pid of pids) {
    try { process.kill(pid, 'SIGKILL') } catch { /* gone meanwhile */ }
  }
  return pids.length
}

async function startJob (url: string, rawcode: string): Promise<LocalJobStatus> {
  const response = await fetch(new URL(COMPUTE, url), {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      consumerAddress: alice.address,
      signature: await sign(alice, { documentId: SAMPLE_DID }),
      documentId: SAMPLE_DID,
      algorithmMeta: { rawcode, container: { entrypoint: 'node $ALGO' } },
      output: {}
    })
  })
  if (response.status !== 200) throw new Error(`start answered ${response.status}: ${await response.text()}`)
  const [job] = await response.json() as LocalJobStatus[]
  return job!
}

/** All of alice's jobs by signed status, by jobId. */
async function jobsOf (url: string): Promise<Map<string, LocalJobStatus>> {
  const query = new URLSearchParams({ consumerAddress: alice.address, signature: await sign(alice) })
  const response = await fetch(new URL(`${COMPUTE}?${query}`, url))
  if (response.status !== 200) throw new Error(`status answered ${response.status}: ${await response.text()}`)
  return new Map((await response.json() as LocalJobStatus[]).map(job => [job.jobId, job]))
}

t.test('SIGKILL while jobs run, then a restart on the same DATA_DIR', async t => {
  const dataDir = await realpath(await mkdtemp(join(tmpdir(), 'foc-crash-')))
  const providers: Provider[] = []
  t.teardown(async () => {
    for (const provider of providers) if (provider.exitCode === null && provider.signalCode === null) provider.kill('SIGKILL')
    killAlgorithms(dataDir)
    await rm(dataDir, { recursive: true, force: true })
  })

  const first = await startProvider(dataDir)
  providers.push(first)

  // One job that finishes and leaves an output...
  const quick = await startJob(first.url, "require('node:fs').writeFileSync(process.env.OUTPUTS + '/answer.txt', 'forty-two')")
  const finished = await until(async () => {
    const job = (await jobsOf(first.url)).get(quick.jobId)
    return job?.status === 70 ? job : undefined
  }, 'the quick job to finish')
  t.equal(finished.exitCode, 0, 'the quick job succeeded')
  const output = finished.results.find(result => result.type === 'output')
  t.match(output, { filename: 'answer.txt', filesize: 9 })

  // ...then three that sleep: two run (the example keeps the engine's 2 slots), one waits.
  const sleepers: string[] = []
  for (let i = 0; i < 3; i++) sleepers.push((await startJob(first.url, 'setTimeout(() => {}, 60000)')).jobId)
  const before = await until(async () => {
    const jobs = await jobsOf(first.url)
    const states = sleepers.map(jobId => jobs.get(jobId)?.status).sort()
    return states.join() === '1,40,40' && algorithmPids(dataDir).length === 2 ? jobs : undefined
  }, 'two sleepers running and one queued')
  t.equal(before.size, 4, 'four jobs before the kill')

  first.kill('SIGKILL')
  const [, signal] = await once(first, 'exit')
  t.equal(signal, 'SIGKILL')
  t.equal(algorithmPids(dataDir).length, 2, 'the algorithms of a SIGKILLed server run on (documented), to be cleaned up')

  const second = await startProvider(dataDir)
  providers.push(second)
  const after = await jobsOf(second.url)
  t.same([...after.keys()].sort(), [...before.keys()].sort(), 'every job that a start answered is still listed')
  t.same(after.get(quick.jobId), finished, 'the finished job is unchanged')
  for (const jobId of sleepers) {
    const job = after.get(jobId)!
    const ran = before.get(jobId)!.status === 40
    t.match(job, { status: 70, statusText: INTERRUPTED_TEXT, stopreq: 0, exitCode: null }, `${ran ? 'running' : 'queued'} job ${jobId} is final and interrupted`)
    t.type(job.dateFinished, 'number')
    if (ran) t.ok(job.results.some(result => result.type === 'log'), 'an interrupted job keeps its log')
  }

  // The finished job's result is still served.
  const query = new URLSearchParams({
    consumerAddress: alice.address,
    jobId: quick.jobId,
    index: String(output!.index),
    signature: await sign(alice, { jobId: quick.jobId, documentId: String(output!.index) })
  })
  const result = await fetch(new URL(`/api/v1/services/computeResult?${query}`, second.url))
  t.equal(result.status, 200)
  t.equal(await result.text(), 'forty-two')

  // Every record is whole JSON, one per job, and nothing half-written is left.
  const records = await readdir(join(dataDir, 'records'))
  t.same(records.sort(), [...before.keys()].map(jobId => `${jobId}.json`).sort())
  for (const name of records) {
    const record = JSON.parse(await readFile(join(dataDir, 'records', name), 'utf8')) as { jobId: string, status: number }
    t.equal(`${record.jobId}.json`, name, `${name} parses and names its job`)
    t.equal(record.status, 70)
  }

  t.equal(killAlgorithms(dataDir), 2, 'the leftover algorithms are found by their job folders and killed')
  second.kill('SIGTERM')
  const [code] = await once(second, 'exit')
  t.equal(code, 0, 'the restarted server closes cleanly')
})
