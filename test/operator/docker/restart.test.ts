import t, { type Test } from 'tap'
import { realpath, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { Client } from 'undici'
import { startPodman } from '../../helpers/podman.js'
import { until } from '../../helpers/until.js'
import { COMPUTE_PATH } from '../../helpers/build.js'
import { dataFolder, download, jobContainers, jobQuery, provider, running, started, currentJob, waitFor } from './helpers.js'

t.setTimeout(240_000)
const podman = await startPodman(t)

// Runs until the test puts a file named go in its outputs, then leaves an output of its own:
// it outlives the first provider however slow the machine is.
const SLOW = `const fs = require('fs'), go = process.env.OUTPUTS + '/go'
setInterval(() => {
  if (!fs.existsSync(go)) return
  fs.unlinkSync(go)
  fs.writeFileSync(process.env.OUTPUTS + '/late.txt', 'done')
  console.log('finished')
  process.exit(0)
}, 100)`
const INTERRUPTED = 'Job completed (interrupted: the provider stopped while the job was unfinished)'

if (podman !== undefined) {
  /** A provider whose job runs in its container, then closed: the container is left running. */
  async function closedWithRunningJob (t: Test, dataDir: string): Promise<string> {
    const first = await provider(t, podman!, { dataDir })
    const jobId = await started(t, first, { rawcode: SLOW, image: podman!.images.node })
    await waitFor(first, jobId, running)
    await until(async () => (await jobContainers(podman!, [jobId])).length === 1 || undefined, 'the container')
    await first.close()
    t.same(await jobContainers(podman!, [jobId]), [jobId], 'closing the provider leaves the container running')
    return jobId
  }

  t.test('after a restart, a job whose container still runs is waited for again and its outputs collected', async t => {
    const dataDir = await dataFolder(t)
    const jobId = await closedWithRunningJob(t, dataDir)
    const second = await provider(t, podman, { dataDir })
    t.match(await currentJob(second, jobId), { status: 40 }, 'still running, as it is')
    await writeFile(join(await realpath(dataDir), 'jobs', jobId, 'work', 'data', 'outputs', 'go'), '')
    const job = await waitFor(second, jobId)
    t.match(job, { status: 70, statusText: 'Job completed', exitCode: 0, stopreq: 0, results: [{ filename: 'late.txt', type: 'output' }, { filename: 'algorithm.log', type: 'log' }, { filename: 'engine.log', type: 'log' }] })
    t.same(await download(second, jobId, 0), { statusCode: 200, body: 'done' })
    t.match((await download(second, jobId, 1)).body, /^finished\n/)
    t.match((await download(second, jobId, 2)).body, /exited with code 0/)
    t.same(await jobContainers(podman, [jobId]), [])
  })

  t.test('a picked-up job can still be stopped', async t => {
    const dataDir = await dataFolder(t)
    const jobId = await closedWithRunningJob(t, dataDir)
    const second = await provider(t, podman, { dataDir })
    const stop = await second.inject({ method: 'PUT', url: COMPUTE_PATH, query: await jobQuery(jobId) })
    t.match(stop.json(), [{ jobId, status: 70, stopreq: 1 }])
    t.same(await jobContainers(podman, [jobId]), [])
  })

  t.test('after a restart, a job whose container vanished is marked interrupted', async t => {
    const dataDir = await dataFolder(t)
    const jobId = await closedWithRunningJob(t, dataDir)
    const client = new Client('http://podman', { socketPath: podman.socketPath })
    const { body } = await client.request({ method: 'DELETE', path: `/containers/foc-${jobId}?force=true` })
    await body.dump()
    await client.close()

    const second = await provider(t, podman, { dataDir })
    t.match(await currentJob(second, jobId), { status: 70, statusText: INTERRUPTED, exitCode: null, results: [] })
  })
}
