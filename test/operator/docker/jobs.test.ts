import t from 'tap'
import { access } from 'node:fs/promises'
import { join } from 'node:path'
import { startPodman } from '../../helpers/podman.js'
import { dataFolder, download, jobContainers, jobQuery, provider, running, started, waitFor, DID } from './helpers.js'
import { COMPUTE_PATH } from '../../helpers/build.js'
import { until } from '../../helpers/until.js'
import { Client } from 'undici'

// Containers start in about a second each, but a loaded machine is slower: more than tap's 60 s a file.
t.setTimeout(240_000)
const podman = await startPodman(t)

const COUNT_NODE = `const fs = require('fs'), path = require('path')
const [did] = JSON.parse(process.env.DIDS)
const rows = fs.readFileSync(path.join(process.env.INPUTS, did, '0'), 'utf8').trim().split('\\n').length - 1
fs.writeFileSync(path.join(process.env.OUTPUTS, 'rows.txt'), String(rows))
console.log('node counted', rows, 'in', process.cwd())`

const COUNT_PYTHON = `import json, os
did = json.loads(os.environ['DIDS'])[0]
with open(os.path.join(os.environ['INPUTS'], did, '0')) as f:
    rows = len(f.read().strip().split('\\n')) - 1
with open(os.path.join(os.environ['OUTPUTS'], 'rows.json'), 'w') as f:
    json.dump({'rows': rows}, f)
print('python counted', rows, flush=True)`

const SLEEP = 'console.log("sleeping"); setTimeout(() => {}, 600000)'

if (podman !== undefined) {
  const { node, python } = podman.images

  t.test('a Node and a Python job run in their images, and their outputs download through computeResult', async t => {
    const app = await provider(t, podman)
    const nodeJob = await started(t, app, { rawcode: COUNT_NODE, image: node })
    const pythonJob = await started(t, app, { rawcode: COUNT_PYTHON, image: python, entrypoint: 'python3 -u $ALGO' })

    const seen = new Set<number>()
    const done = await waitFor(app, nodeJob, job => { seen.add(job.status); return job.status === 70 })
    t.ok([...seen].every(status => [1, 20, 30, 40, 60, 70].includes(status)), `statuses seen: ${[...seen].join(', ')}`)
    t.match(done, { exitCode: 0, stopreq: 0, results: [{ index: 0, filename: 'rows.txt', filesize: 2, type: 'output' }, { filename: 'algorithm.log', type: 'log' }] })
    t.equal(done.error, undefined)
    t.same(await download(app, nodeJob, 0), { statusCode: 200, body: '16' })
    t.same(await download(app, nodeJob, 1), { statusCode: 200, body: 'node counted 16 in /data\n' })
    t.same(await download(app, nodeJob, 2), { statusCode: 200, body: '[engine] the algorithm exited with code 0\n' }, 'the engine\'s lines in a log of their own')

    const py = await waitFor(app, pythonJob)
    t.match(py, { status: 70, exitCode: 0, results: [{ filename: 'rows.json', type: 'output' }, { filename: 'algorithm.log', type: 'log' }] })
    t.same(await download(app, pythonJob, 0), { statusCode: 200, body: '{"rows": 16}' })
    t.match((await download(app, pythonJob, 1)).body, /python counted 16/)
    t.same(await jobContainers(podman, [nodeJob, pythonJob]), [], 'the containers are removed once the jobs end')
  })

  t.test('a failing algorithm ends at 70 with its exit code, and its stderr in the log', async t => {
    const app = await provider(t, podman)
    const jobId = await started(t, app, { rawcode: 'console.error("something broke"); process.exit(3)', image: node })
    t.match(await waitFor(app, jobId), { status: 70, exitCode: 3, results: [{ filename: 'algorithm.log' }] })
    t.match((await download(app, jobId, 0)).body, /something broke/)
    t.match((await download(app, jobId, 1)).body, /exited with code 3/)
  })

  t.test('maxJobSeconds: a job still running is killed with stopreq 2, its container removed', async t => {
    const app = await provider(t, podman, { maxJobSeconds: 3 })
    const jobId = await started(t, app, { rawcode: SLEEP, image: node })
    const job = await waitFor(app, jobId)
    t.match(job, { status: 70, stopreq: 2, exitCode: null })
    t.match((await download(app, jobId, 0)).body, /^sleeping\n/)
    t.match((await download(app, jobId, 1)).body, /the algorithm was killed[^]*ran out of its 3 seconds/)
    t.same(await jobContainers(podman, [jobId]), [])
  })

  t.test('stop kills the container (stopreq 1); delete removes the job, its container and its folder', async t => {
    const dataDir = await dataFolder(t)
    const app = await provider(t, podman, { dataDir })
    const stopped = await started(t, app, { rawcode: SLEEP, image: node })
    const deleted = await started(t, app, { rawcode: SLEEP, image: node })
    await waitFor(app, stopped, running)
    await waitFor(app, deleted, running)
    // Status 40 comes as the container is made: it may take a moment to be listed.
    const both = [stopped, deleted]
    await until(async () => (await jobContainers(podman, both)).length === 2 || undefined, 'both containers')
    t.same(await jobContainers(podman, both), both.sort(), 'each job runs in a labelled container')

    const stop = await app.inject({ method: 'PUT', url: COMPUTE_PATH, query: await jobQuery(stopped) })
    t.match(stop.json(), [{ jobId: stopped, status: 70, stopreq: 1 }])
    t.same(await jobContainers(podman, both), [deleted])

    const del = await app.inject({ method: 'DELETE', url: COMPUTE_PATH, query: await jobQuery(deleted) })
    t.match(del.json(), [{ jobId: deleted, removed: 1 }])
    t.same(await jobContainers(podman, both), [])
    await t.rejects(access(join(dataDir, 'jobs', deleted)), 'the job folder is gone')
    t.same((await app.inject({ method: 'GET', url: COMPUTE_PATH, query: await jobQuery(deleted) })).json(), [])
  })

  t.test('images: none, one off the allow-list, or missing and not pulled, ends the job at 32 with its error', async t => {
    const app = await provider(t, podman)
    const cases: Array<[string, string]> = [
      [':', 'The algorithm names no container image.'],
      ['docker.io/library/busybox:1', 'The image docker.io/library/busybox:1 is not allowed on this provider (allowed: localhost/c2d-test-node, localhost/c2d-test-python).'],
      [`${node}-missing`, `The image ${node}-missing is not on this provider, which does not pull images.`],
      [`${node.split(':')[0]}:`, `The image ${node.split(':')[0]}:latest is not on this provider, which does not pull images.`]
    ]
    for (const [image, error] of cases) {
      const jobId = await started(t, app, { rawcode: 'x', image })
      t.match(await waitFor(app, jobId), { status: 32, statusText: 'Algorithm provisioning failed', error, exitCode: null }, image)
      t.match((await download(app, jobId, 0)).body, error, 'the log says so too')
    }
  })

  t.test('a job whose dataset cannot be fetched ends at 31', async t => {
    const app = await provider(t, podman, { datasets: { [DID]: '/nonexistent/data.csv' } })
    const jobId = await started(t, app, { rawcode: 'x', image: node })
    t.match(await waitFor(app, jobId), { status: 31, error: `The dataset ${DID} could not be fetched: ENOENT.` })
  })

  t.test('an image that cannot be pulled, or a program not in the image, ends the job at 32', async t => {
    const pulling = await provider(t, podman, { pull: true })
    const missing = await started(t, pulling, { rawcode: 'x', image: `${node}-missing` })
    t.match(await waitFor(pulling, missing), { status: 32, error: new RegExp(`^The image ${node}-missing is not available \\(Docker answered \\d+\\)\\.$`) }, 'no registry to pull from')

    const noBash = await started(t, pulling, { rawcode: 'x', image: node, entrypoint: 'bash $ALGO' })
    t.match(await waitFor(pulling, noBash), { status: 32, error: /^The container could not be started \(Docker answered \d+\)\.$/ }, 'no such program in the image')

    t.same(await jobContainers(podman, [missing, noBash]), [])
  })

  t.test('a container removed behind the engine\'s back fails its job; the log is cut at maxLogBytes', async t => {
    const app = await provider(t, podman, { maxLogBytes: 2000 })
    const jobId = await started(t, app, { rawcode: "console.log('x'.repeat(10000)); setTimeout(() => {}, 600000)", image: node })
    await waitFor(app, jobId, running)
    await until(async () => (await jobContainers(podman, [jobId])).length === 1 || undefined, 'the container')
    const client = new Client('http://podman', { socketPath: podman.socketPath })
    await (await client.request({ method: 'DELETE', path: `/containers/foc-${jobId}?force=true` })).body.dump()
    await client.close()
    // Podman answers the wait of a container it removes either with an error or with its
    // exit (137, killed): the job fails either way. (A fake daemon in unreachable.test.ts
    // takes each path on purpose.)
    const gone = await waitFor(app, jobId)
    t.ok((gone.status === 32 && /^The container failed/.test(gone.error ?? '')) || (gone.status === 70 && /SIGKILL/.test(gone.error ?? '')),
      `the job failed: ${gone.status} ${gone.error}`)

    const chatty = await started(t, app, { rawcode: "console.log('x'.repeat(10000))", image: node })
    t.match(await waitFor(app, chatty), { status: 70, exitCode: 0 })
    t.equal((await download(app, chatty, 0)).body, 'x'.repeat(2000))
    t.match((await download(app, chatty, 1)).body, /\[engine\] the algorithm's log was cut at 2000 bytes\n/)
  })
}
