import t from 'tap'
import { readFile } from 'node:fs/promises'
import { mockClock } from '../../helpers/clock.js'
import { ALGORITHMS, OWNER, alive, currentJob, writtenPid, context, engine, layoutOf, running, start, tempDir, waitFor } from './helpers.js'

// A Python algorithm whose grandchild leaves the process group (setsid) and keeps
// stdout open, while the algorithm itself sleeps: what `pid` names is the escapee.
const ESCAPE = `import os, time
pid = os.fork()
if pid == 0:
    os.setsid()
    print('escaped', flush=True)
    time.sleep(120)
    os._exit(0)
open(os.path.join(os.environ['OUTPUTS'], 'pid'), 'w').write(str(pid))
time.sleep(120)`

/** Starts the escaping algorithm and answers its job and the escapee's pid, killed after the test. */
async function escaping (t: Parameters<typeof tempDir>[0], maxtime: number) {
  const dataDir = await tempDir(t)
  const operator = await engine(t, { dataDir })
  const { jobId } = await start(operator, { rawcode: ESCAPE, entrypoint: 'python3 $ALGO', maxtime })
  await waitFor(operator, jobId, running)
  const pid = await writtenPid(dataDir, jobId)
  t.teardown(() => { try { process.kill(pid, 'SIGKILL') } catch {} })
  return { operator, jobId, pid }
}

// The time-limit tests mock the clock before the job starts, and move it past maxJobSeconds
// only once the algorithm has written its pid: on a busy machine a real 1 or 2 s limit could
// end the job before Python got that far, and there would be no grandchild to check.
t.test('a grandchild that calls setsid and keeps stdout does not keep the job past maxJobSeconds', async t => {
  const clock = mockClock(t)
  const { operator, jobId, pid } = await escaping(t, 2)
  clock.advance(2000)
  // Within 20 s, where a job that waited for the escapee would take its 120 s.
  const job = await waitFor(operator, jobId, job => job.status === 70, 20_000)
  t.match(job, { status: 70, stopreq: 2, exitCode: null })
  t.ok(await alive(pid), 'the escapee is out of the group\'s reach (the README says so)')
})

t.test('a stop answers promptly though a setsid grandchild holds stdout', async t => {
  const { operator, jobId } = await escaping(t, 60)
  const began = Date.now()
  const [stopped] = await operator.stop({ owner: OWNER, jobId }, context())
  t.ok(Date.now() - began < 15_000, `stopped in ${Date.now() - began} ms, well within the plugin's operatorTimeout (30 s)`)
  t.match(stopped, { jobId, status: 70, stopreq: 1 })
})

t.test('a grandchild in the group ends with the job at maxJobSeconds', async t => {
  const clock = mockClock(t)
  const dataDir = await tempDir(t)
  const operator = await engine(t, { dataDir })
  const { jobId } = await start(operator, { rawcode: ALGORITHMS.grandchild, entrypoint: 'python3 $ALGO', maxtime: 1 })
  const pid = await writtenPid(dataDir, jobId)
  t.notOk((await currentJob(operator, jobId))?.status === 70, 'the job still runs: its time has not come')
  clock.advance(1000)
  t.match(await waitFor(operator, jobId, job => job.status === 70, 15_000), { stopreq: 2 })
  t.notOk(await alive(pid), 'the grandchild is gone')
})

t.test('node cannot start a process at all: its permissions hold', async t => {
  const dataDir = await tempDir(t)
  const operator = await engine(t, { dataDir })
  const rawcode = `const { execSync } = require('child_process')
try { execSync('id'); console.log('ran id') } catch (err) { console.log('refused', err.code) }`
  const { jobId } = await start(operator, { rawcode })
  await waitFor(operator, jobId)
  const log = await readFile((await layoutOf(dataDir, jobId)).log, 'utf8')
  t.match(log, /refused ERR_ACCESS_DENIED/)
  t.notMatch(log, /ran id/)
})
