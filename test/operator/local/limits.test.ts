import t from 'tap'
import { createServer } from 'node:http'
import { once } from 'node:events'
import type { AddressInfo } from 'node:net'
import { access, readFile } from 'node:fs/promises'
import type { LocalOperator } from '../../../lib/index.js'
import { ALGORITHMS, OWNER, context, engine, layoutOf, namedText, resultText, running, start, currentJob, tempDir, waitFor } from './helpers.js'
import { until } from '../../helpers/until.js'

// Is a process still running? A killed process whose parent died too may linger
// as a zombie until an init reaps it: that counts as gone (Linux /proc).
async function alive (pid: number): Promise<boolean> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => '')
  return stat !== '' && !/^\d+ \(.*\) Z/.test(stat)
}

t.test('stop kills a sleeping algorithm, with what it started, and answers it at 70 with stopreq 1', async t => {
  const dataDir = await tempDir(t)
  const operator = await engine(t, { dataDir })
  // python3 is unconfined: it starts a grandchild, which must die with it.
  const rawcode = `import os, subprocess, time
child = subprocess.Popen(['sleep', '60'])
open(os.path.join(os.environ['OUTPUTS'], 'pid'), 'w').write(str(child.pid))
print('started', flush=True)
time.sleep(60)`
  const { jobId } = await start(operator, { rawcode, entrypoint: 'python3 $ALGO' })
  await waitFor(operator, jobId, running)
  const pidFile = `${(await layoutOf(dataDir, jobId)).outputs}/pid`
  const pid = await until(async () => Number(await readFile(pidFile, 'utf8').catch(() => '0')) || undefined, 'the algorithm to write its child\'s pid')
  t.ok(await alive(pid), 'the grandchild runs')

  const began = Date.now()
  const [stopped] = await operator.stop({ owner: OWNER, jobId }, context())
  t.ok(Date.now() - began < 2000, `stopped in ${Date.now() - began} ms`)
  t.match(stopped, { jobId, status: 70, statusText: 'Job completed', stopreq: 1, exitCode: null })
  t.notOk(await alive(pid), 'the grandchild is gone')
  t.match(await resultText(operator, jobId, 1), /^started\n/)
  t.match(await namedText(operator, jobId, 'engine.log'), /killed \(SIGKILL\)/)

  // Stopping a finished job changes nothing; unknown and foreign jobs answer [].
  t.match(await operator.stop({ owner: OWNER, jobId }, context()), [{ jobId, stopreq: 1, status: 70 }])
  t.same(await operator.stop({ owner: OWNER, jobId: 'f'.repeat(32) }, context()), [])
  t.same(await operator.stop({ owner: '0x' + '1'.repeat(40), jobId }, context()), [])
})

t.test('a job that outlives maxJobSeconds is killed with stopreq 2', async t => {
  const operator = await engine(t, { maxJobSeconds: 1 })
  const { jobId } = await start(operator, { rawcode: ALGORITHMS.sleep })
  const job = await waitFor(operator, jobId, job => job.status === 70, 5000)
  t.match(job, { stopreq: 2, statusText: 'Job completed', exitCode: null })
  t.match(await namedText(operator, jobId, 'engine.log'), /ran out of its 1 seconds/)
})

t.test('the workflow\'s maxtime shortens the limit, never lengthens it', async t => {
  const operator = await engine(t, { maxJobSeconds: 600 })
  const { jobId } = await start(operator, { rawcode: ALGORITHMS.sleep, maxtime: 1 })
  t.match(await waitFor(operator, jobId, job => job.status === 70, 5000), { stopreq: 2 })
})

t.test('beyond maxConcurrentJobs, jobs wait in status 1 and run in turn', async t => {
  const operator = await engine(t, { maxConcurrentJobs: 1 })
  const first = await start(operator, { rawcode: ALGORITHMS.sleep })
  await waitFor(operator, first.jobId, running)
  const second = await start(operator, { rawcode: ALGORITHMS.count })
  const third = await start(operator, { rawcode: ALGORITHMS.count })
  await new Promise(resolve => setTimeout(resolve, 300))
  t.match(await currentJob(operator, second.jobId), { status: 1, statusText: 'Warming up' })

  // A queued job that is stopped leaves the queue without running.
  t.match(await operator.stop({ owner: OWNER, jobId: second.jobId }, context()), [{ status: 70, stopreq: 1, results: [] }])
  t.match(await currentJob(operator, third.jobId), { status: 1 })
  await operator.stop({ owner: OWNER, jobId: first.jobId }, context())
  t.match(await waitFor(operator, third.jobId), { status: 70, exitCode: 0, stopreq: 0 })
})

t.test('delete stops the job, removes its folder and record, and answers it with removed 1', async t => {
  const dataDir = await tempDir(t)
  const operator = await engine(t, { dataDir })
  const { jobId } = await start(operator, { rawcode: ALGORITHMS.sleep })
  await waitFor(operator, jobId, running)
  const folder = (await layoutOf(dataDir, jobId)).dir
  await access(folder)
  await access(`${dataDir}/records/${jobId}.json`)
  const [deleted] = await operator.delete({ owner: OWNER, jobId }, context())
  t.match(deleted, { jobId, removed: 1, status: 70, stopreq: 1 })
  await t.rejects(access(folder), { code: 'ENOENT' })
  await t.rejects(access(`${dataDir}/records/${jobId}.json`), { code: 'ENOENT' })
  t.same(await operator.status({ owner: OWNER }, context()), [])
  t.same(await operator.delete({ owner: OWNER, jobId }, context()), [])
  t.equal(await operator.result({ owner: OWNER, jobId, index: 0 }, context()), undefined)
})

t.test('outputs beyond maxOutputBytes are discarded, the log is kept', async t => {
  const dataDir = await tempDir(t)
  const operator = await engine(t, { dataDir, maxOutputBytes: 1000 })

  t.test('written at once', async t => {
    const { jobId } = await start(operator, { rawcode: "require('fs').writeFileSync(process.env.OUTPUTS + '/big', 'x'.repeat(5000))" })
    const job = await waitFor(operator, jobId)
    t.match(job, { status: 70, exitCode: 0, error: 'The outputs and logs exceeded 1000 bytes and were discarded.', results: [{ filename: 'algorithm.log' }, { filename: 'engine.log' }] })
    t.equal(job.results.length, 2)
    await t.rejects(access((await layoutOf(dataDir, jobId)).outputs), { code: 'ENOENT' }, 'the outputs are gone from the disk')
  })

  t.test('while the algorithm keeps running: it is killed', async t => {
    const { jobId } = await start(operator, { rawcode: "require('fs').writeFileSync(process.env.OUTPUTS + '/big', 'x'.repeat(5000)); setTimeout(() => {}, 60000)" })
    const job = await waitFor(operator, jobId, job => job.status === 70, 5000)
    t.match(job, { exitCode: null, stopreq: 0, error: 'The outputs and logs exceeded 1000 bytes and were discarded.' })
  })

  t.test('the outputs cap says nothing of the log, which has maxLogBytes', async t => {
    const { jobId } = await start(operator, { rawcode: "console.log('y'.repeat(5000))" })
    t.match(await resultText(operator, (await waitFor(operator, jobId)).jobId, 0), /^y{5000}\n/)
  })

  t.test('an algorithm that removes its outputs folder is measured as empty', async t => {
    const { jobId } = await start(operator, { rawcode: "require('fs').rmSync(process.env.OUTPUTS, { recursive: true }); setTimeout(() => {}, 1300)" })
    t.match(await waitFor(operator, jobId), { status: 70, exitCode: 0 })
  })
})

t.test('a stop during provisioning ends the job as stopped, not as failed', async t => {
  // A dataset server that never answers.
  const server = createServer(() => {})
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  t.teardown(() => { server.closeAllConnections(); server.close() })
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/slow.csv`
  const operator: LocalOperator = await engine(t, { datasets: { 'did:op:slow': url } })
  const { jobId } = await start(operator, { rawcode: ALGORITHMS.count, inputs: [{ id: 'did:op:slow' }] })
  await waitFor(operator, jobId, job => job.status === 20)
  await new Promise(resolve => setTimeout(resolve, 100))
  const [stopped] = await operator.stop({ owner: OWNER, jobId }, context())
  t.match(stopped, { status: 70, stopreq: 1 })
  t.equal(stopped!.error, undefined)
})
