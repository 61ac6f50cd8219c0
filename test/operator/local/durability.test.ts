import t from 'tap'
import { access, mkdir, readdir, readFile, symlink, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { localOperator } from '../../../lib/index.js'
import { ALGORITHMS, CSV_PATH, DID, OWNER, context, engine, layoutOf, resultText, running, start, tempDir, waitFor } from './helpers.js'

const INTERRUPTED = 'Job completed (interrupted: the provider stopped while the job was unfinished)'

t.test('a new engine on the same dataDir shows every earlier job; unfinished ones as interrupted', async t => {
  const dataDir = await tempDir(t)
  const first = await engine(t, { dataDir, maxConcurrentJobs: 1 })
  const finished = await waitFor(first, (await start(first, { rawcode: ALGORITHMS.count })).jobId)
  const runningJob = await start(first, { rawcode: ALGORITHMS.sleep })
  await waitFor(first, runningJob.jobId, running)
  const queued = await start(first, { rawcode: ALGORITHMS.count })

  // The first engine is not closed: as if its process had been killed.
  const second = await engine(t, { dataDir })
  const jobs = await second.status({ owner: OWNER }, context())
  t.same(jobs.map(job => job.jobId), [finished.jobId, runningJob.jobId, queued.jobId])
  t.same(jobs[0], finished, 'a finished job is as it was, results and all')
  t.match(jobs[1], { status: 70, statusText: INTERRUPTED, stopreq: 0, exitCode: null, results: [{ filename: 'algorithm.log' }] })
  t.match(jobs[2], { status: 70, statusText: INTERRUPTED, results: [] })
  t.equal(await resultText(second, finished.jobId, 0), '16')
})

t.test('a restart applies maxOutputBytes to an interrupted job\'s outputs, as the end of a job does', async t => {
  const dataDir = await tempDir(t)
  const first = await engine(t, { dataDir })
  const job = await start(first, { rawcode: ALGORITHMS.sleep })
  await waitFor(first, job.jobId, running)
  // What the algorithm wrote before the process died, past the cap the next engine has.
  await writeFile(join((await layoutOf(dataDir, job.jobId)).outputs, 'big.bin'), Buffer.alloc(2048))

  const second = await engine(t, { dataDir, maxOutputBytes: 1024 })
  const [interrupted] = await second.status({ owner: OWNER, jobId: job.jobId }, context())
  t.match(interrupted, { statusText: INTERRUPTED, error: 'The outputs and logs exceeded 1024 bytes and were discarded.' })
  t.notOk((interrupted as { results: Array<{ type: string }> }).results.some(result => result.type === 'output'), 'no output is listed')
  await t.rejects(access((await layoutOf(dataDir, job.jobId)).outputs), 'and they are gone')
})

t.test('close kills running jobs and ends them, and queued ones, as interrupted', async t => {
  const dataDir = await tempDir(t)
  const operator = localOperator({ dataDir, maxConcurrentJobs: 1, datasets: { [DID]: CSV_PATH } })
  const runningJob = await start(operator, { rawcode: ALGORITHMS.sleep })
  await waitFor(operator, runningJob.jobId, running)
  const queued = await start(operator, { rawcode: ALGORITHMS.sleep })
  await operator.close()
  await t.rejects(operator.status({ owner: OWNER }, context()), { statusCode: 503, message: 'The local compute engine is closed.' })

  const reopened = await engine(t, { dataDir })
  t.match(await reopened.status({ owner: OWNER }, context()), [
    { jobId: runningJob.jobId, status: 70, statusText: INTERRUPTED, stopreq: 0 },
    { jobId: queued.jobId, status: 70, statusText: INTERRUPTED, stopreq: 0 }
  ])
})

t.test('records are written atomically: what a cut-short write leaves is ignored', async t => {
  const dataDir = await tempDir(t)
  const first = await engine(t, { dataDir })
  const job = await waitFor(first, (await start(first, { rawcode: ALGORITHMS.count })).jobId)
  // A status shows only what is on disk: the final record is there, whole, once it reads 70.
  const records = join(dataDir, 'records')
  const files = await readdir(records)
  t.same(files, [`${job.jobId}.json`], 'one file per job, no temporary files left')
  t.match(JSON.parse(await readFile(join(records, files[0]!), 'utf8')), { jobId: job.jobId, status: 70 })

  await writeFile(join(records, `${job.jobId}.json.1234.tmp`), '{"jobId": "half')
  await writeFile(join(records, 'broken.json'), '{"jobId": "half')
  await writeFile(join(records, 'other.json'), '{"not": "a record"}')
  await writeFile(join(records, 'README'), 'someone else\'s file')
  const second = await engine(t, { dataDir })
  t.match(await second.status({ owner: OWNER }, context()), [{ jobId: job.jobId, status: 70 }])
  t.same((await readdir(records)).sort(), [`${job.jobId}.json`, 'README', 'broken.json', 'other.json'].sort(), 'the temporary file is gone')
})

t.test('a dataDir that cannot be made fails every call with the error that stopped it', async t => {
  const dir = await tempDir(t)
  await writeFile(join(dir, 'file'), '')
  const operator = localOperator({ dataDir: join(dir, 'file', 'data') })
  await t.rejects(operator.status({ owner: OWNER }, context()), { code: 'ENOTDIR' })
  await operator.close()
})

t.test('a symlinked dataDir works: Node\'s permissions are given real paths', async t => {
  const dir = await tempDir(t)
  await mkdir(join(dir, 'real'))
  await symlink(join(dir, 'real'), join(dir, 'link'))
  const operator = await engine(t, { dataDir: join(dir, 'link') })
  const job = await waitFor(operator, (await start(operator, { rawcode: ALGORITHMS.count })).jobId)
  t.match(job, { status: 70, exitCode: 0 })
  await access(join(dir, 'real', 'records', `${job.jobId}.json`))
})
