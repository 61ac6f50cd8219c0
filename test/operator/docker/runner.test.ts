import t, { type Test } from 'tap'
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { dockerOperator, type DockerOperatorOptions } from '../../../lib/index.js'
import { build, COMPUTE_PATH } from '../../helpers/build.js'
import { fakeDocker, type FakeContainer, type FakeDockerOptions } from '../../helpers/fake-docker.js'
import { until } from '../../helpers/until.js'
import { CSV_PATH, dataFolder, DID, download, jobQuery, running, started, currentJob, waitFor } from './helpers.js'

// The container engine's whole path through the Docker Engine API, against a fake daemon
// that answers as Podman does (test/helpers/fake-docker.ts): no Podman needed. The same
// paths on a real Podman are in jobs.test.ts, isolation.test.ts and restart.test.ts.

const IMAGE = 'node:20'

async function providerOn (t: Test, daemon: { socketPath: string }, options: Partial<DockerOperatorOptions> = {}) {
  const operator = dockerOperator({ dataDir: await dataFolder(t), socketPath: daemon.socketPath, images: ['node'], datasets: { [DID]: CSV_PATH }, log: { warn: () => {} }, ...options })
  const { app } = await build({ operator })
  t.teardown(async () => await app.close())
  return app
}

/** The host folder bound at `target` in a container. */
function bound (container: FakeContainer, target: string): string {
  const bind = container.config.HostConfig!.Binds!.find(entry => entry.split(':')[1] === target)!
  return bind.split(':')[0]!
}

async function daemonFor (t: Test, run?: FakeDockerOptions['run']) {
  return await fakeDocker(t, { images: [IMAGE], ...(run === undefined ? {} : { run }) })
}

/** The one container of `jobId` on the daemon. */
async function containerOf (daemon: { containers: Map<string, FakeContainer> }, jobId: string): Promise<FakeContainer> {
  return await until(() => [...daemon.containers.values()].find(container => container.config.Labels?.['fastify-ocean-compute.job'] === jobId), 'the container')
}

t.test('a job runs in a container made as the engine promises, and its outputs and log download through computeResult', async t => {
  const daemon = await daemonFor(t, async container => {
    await writeFile(join(bound(container, '/data/outputs'), 'rows.txt'), '16')
    return { stdout: 'counted 16\n', stderr: 'a warning\n', exitCode: 0 }
  })
  const app = await providerOn(t, daemon)
  const jobId = await started(t, app, { rawcode: 'x', image: IMAGE, entrypoint: 'node $ALGO --fast' })
  const job = await waitFor(app, jobId)
  t.match(job, { status: 70, exitCode: 0, stopreq: 0, results: [{ index: 0, filename: 'rows.txt', type: 'output' }, { filename: 'algorithm.log', type: 'log' }] })
  t.equal(job.error, undefined)
  t.same(await download(app, jobId, 0), { statusCode: 200, body: '16' })
  t.same(await download(app, jobId, 1), { statusCode: 200, body: 'counted 16\na warning\n' }, 'stdout then stderr, as the daemon framed them')
  t.match((await download(app, jobId, 2)).body, /\[engine\] the algorithm exited with code 0/)

  const create = daemon.calls.indexOf('POST /containers/create')
  t.ok(create > 0 && daemon.calls.indexOf('GET /images/node%3A20/json') < create, 'the image is checked before the container is made')
  t.same(daemon.containers.size, 0, 'the container is removed once the job ends')
})

t.test('the container is isolated: no network, no capabilities, read-only root, limits, the provider\'s user, the job\'s folders', async t => {
  let seen: FakeContainer | undefined
  const daemon = await daemonFor(t, container => { seen = container; return { exitCode: 0 } })
  const app = await providerOn(t, daemon, { memoryBytes: 256 * 1024 * 1024, cpus: 0.5, pidsLimit: 64, tmpfsBytes: 1024 * 1024 })
  const jobId = await started(t, app, { rawcode: 'x', image: IMAGE, entrypoint: 'node $ALGO --fast' })
  await waitFor(app, jobId)
  t.match(seen!.config, {
    Image: IMAGE,
    Entrypoint: ['node'],
    Cmd: ['/data/transformations/algorithm', '--fast'],
    WorkingDir: '/data',
    User: `${process.getuid!()}:${process.getgid!()}`,
    Labels: { 'fastify-ocean-compute.job': jobId },
    NetworkDisabled: true,
    HostConfig: {
      NetworkMode: 'none',
      CapDrop: ['ALL'],
      SecurityOpt: ['no-new-privileges'],
      ReadonlyRootfs: true,
      Tmpfs: { '/tmp': 'rw,nosuid,nodev,size=1048576' },
      PidsLimit: 64,
      Memory: 256 * 1024 * 1024,
      MemorySwap: 256 * 1024 * 1024,
      NanoCpus: 500_000_000
    }
  })
  const binds = seen!.config.HostConfig!.Binds!.map(bind => bind.split(':').slice(1).join(':')).sort()
  t.same(binds, ['/data/inputs:ro', '/data/logs', '/data/outputs', '/data/transformations:ro'], 'inputs and algorithm read-only')
  t.match((seen!.config.Env as string[]), ['HOME=/tmp', `DIDS=${JSON.stringify([DID])}`, 'TRANSFORMATION_DID=raw', 'INPUTS=/data/inputs', 'OUTPUTS=/data/outputs', 'LOGS=/data/logs', 'ALGO=/data/transformations/algorithm'])
})

t.test('a container killed by SIGKILL or marked OOMKilled: the job says the memory limit most likely killed it', async t => {
  const lives = [{ exitCode: 137 }, { exitCode: 1, oomKilled: true }, { exitCode: 3 }]
  const daemon = await daemonFor(t, () => lives.shift()!)
  const app = await providerOn(t, daemon, { memoryBytes: 64 * 1024 * 1024 })
  const memory = 'The algorithm was killed (SIGKILL), most likely at its memory limit of 64 MiB.'
  for (const [exitCode, error] of <Array<[number, string | undefined]>>[[137, memory], [1, memory], [3, undefined]]) {
    const job = await waitFor(app, await started(t, app, { rawcode: 'x', image: IMAGE }))
    t.match(job, { status: 70, exitCode }, `exit ${exitCode}`)
    t.equal(job.error, error)
  }
})

t.test('images: none, one off the allow-list, or missing and not pulled, end the job at 32 before any container is made', async t => {
  const daemon = await daemonFor(t)
  const app = await providerOn(t, daemon)
  for (const [image, error] of <Array<[string, string]>>[
    [':', 'The algorithm names no container image.'],
    ['busybox:1', 'The image busybox:1 is not allowed on this provider (allowed: node).'],
    ['node:18', 'The image node:18 is not on this provider, which does not pull images.']
  ]) {
    const job = await waitFor(app, await started(t, app, { rawcode: 'x', image }))
    t.match(job, { status: 32, statusText: 'Algorithm provisioning failed', error }, image)
  }
  t.notOk(daemon.calls.includes('POST /containers/create'))
})

t.test('a container whose program is not in its image fails to start: its job ends at 32, the container removed', async t => {
  const daemon = await daemonFor(t)
  const app = await providerOn(t, daemon)
  const job = await waitFor(app, await started(t, app, { rawcode: 'x', image: IMAGE, entrypoint: 'bash $ALGO' }))
  t.match(job, { status: 32, error: 'The container could not be started (Docker answered 500).' })
  t.ok(daemon.calls.includes('POST /containers/create'), 'it was made')
  t.same(daemon.containers.size, 0, 'and removed')
})

t.test('stop kills the running container (stopreq 1) and removes it; the log keeps what it wrote', async t => {
  const daemon = await daemonFor(t, () => ({ stdout: 'sleeping\n', runs: true }))
  const app = await providerOn(t, daemon)
  const jobId = await started(t, app, { rawcode: 'x', image: IMAGE })
  await waitFor(app, jobId, running)
  const container = await containerOf(daemon, jobId)
  await until(() => container.state === 'running' || undefined, 'the container to run')
  const stop = await app.inject({ method: 'PUT', url: COMPUTE_PATH, query: await jobQuery(jobId) })
  t.match(stop.json(), [{ jobId, status: 70, stopreq: 1, exitCode: null }])
  t.ok(daemon.calls.includes(`POST /containers/${container.id}/kill`), 'killed')
  t.same(daemon.containers.size, 0, 'and removed')
  t.same((await download(app, jobId, 0)).body, 'sleeping\n')
  t.match((await download(app, jobId, 1)).body, /the algorithm was killed/)
})

t.test('a log longer than maxLogBytes is cut there, and the engine\'s log says so', async t => {
  const daemon = await daemonFor(t, () => ({ stdout: 'x'.repeat(5000), stderr: 'y'.repeat(5000), exitCode: 0 }))
  const app = await providerOn(t, daemon, { maxLogBytes: 2000 })
  const jobId = await started(t, app, { rawcode: 'x', image: IMAGE })
  t.match(await waitFor(app, jobId), { status: 70, exitCode: 0 })
  t.match((await download(app, jobId, 0)).body, /^x{2000}$/)
  t.match((await download(app, jobId, 1)).body, /2000/)
})

t.test('closing the provider leaves a running container; the next provider on the same dataDir waits for it and collects its outputs', async t => {
  const daemon = await daemonFor(t, () => ({ stdout: 'working\n', runs: true }))
  const dataDir = await dataFolder(t)
  const first = await providerOn(t, daemon, { dataDir })
  const jobId = await started(t, first, { rawcode: 'x', image: IMAGE })
  await waitFor(first, jobId, running)
  const container = await containerOf(daemon, jobId)
  await until(() => container.state === 'running' || undefined, 'the container to run')
  await first.close()
  t.equal(container.state, 'running', 'closing the provider leaves the container running')
  t.notOk(daemon.calls.includes(`POST /containers/${container.id}/kill`))

  const second = await providerOn(t, daemon, { dataDir })
  t.match(await currentJob(second, jobId), { status: 40 }, 'still running, as it is')
  await until(() => daemon.calls.includes(`POST /containers/${container.id}/wait`) && daemon.calls.filter(call => call === `POST /containers/${container.id}/wait`).length === 2 ? true : undefined, 'the second provider to wait for it')
  await writeFile(join(bound(container, '/data/outputs'), 'late.txt'), 'done')
  daemon.exit(container, 0)
  const job = await waitFor(second, jobId)
  t.match(job, { status: 70, exitCode: 0, results: [{ filename: 'late.txt', type: 'output' }, { filename: 'algorithm.log', type: 'log' }] })
  t.same(await download(second, jobId, 0), { statusCode: 200, body: 'done' })
  t.same(daemon.containers.size, 0)
})

t.test('after a restart, a job whose container vanished is marked interrupted', async t => {
  const daemon = await daemonFor(t, () => ({ runs: true }))
  const dataDir = await dataFolder(t)
  const first = await providerOn(t, daemon, { dataDir })
  const jobId = await started(t, first, { rawcode: 'x', image: IMAGE })
  await waitFor(first, jobId, running)
  const container = await containerOf(daemon, jobId)
  await first.close()
  daemon.containers.delete(container.id)
  const second = await providerOn(t, daemon, { dataDir })
  t.match(await currentJob(second, jobId), { status: 70, statusText: 'Job completed (interrupted: the provider stopped while the job was unfinished)', exitCode: null })
})
