import t, { type Test } from 'tap'
import { createServer } from 'node:http'
import { once } from 'node:events'
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { FastifyInstance } from 'fastify'
import { Client } from 'undici'
import { dockerOperator, type DockerOperatorOptions, type LocalJobStatus } from '../../../lib/index.js'
import { build, PREFIX, URL } from '../../helpers/build.js'
import { startPodman } from '../../helpers/podman.js'
import { alice, sign, DID } from '../../helpers/sign.js'
import { until } from '../../helpers/until.js'

// What an algorithm can reach from its container, through the routes, on a real Podman.
// Each job here is a container start (~0.5 s, more on a busy machine), the first run of
// all also builds the test images: the file gets more than tap's default minute.
t.setTimeout(240_000)

const podman = await startPodman(t)
const CSV = new globalThis.URL('../../../examples/data/sample.csv', import.meta.url).pathname
const ROWS = 16

/** A provider with the container engine on a temp folder, over the test Podman. */
async function provider (t: Test, options: Partial<DockerOperatorOptions> = {}): Promise<{ app: FastifyInstance, dataDir: string }> {
  const dataDir = await mkdtemp(join(tmpdir(), 'foc-docker-'))
  const operator = dockerOperator({
    dataDir,
    datasets: { [DID]: CSV },
    socketPath: podman!.socketPath,
    images: Object.values(podman!.images),
    ...options
  })
  const { app } = await build({ operator })
  t.teardown(async () => {
    await app.close()
    await rm(dataDir, { recursive: true, force: true })
  })
  return { app, dataDir }
}

type Language = keyof NonNullable<typeof podman>['images']
const ENTRYPOINTS: Record<Language, string> = { node: 'node $ALGO', python: 'python3 $ALGO' }

/** Starts a job of alice's running `rawcode` in the test image of `language`, through POST compute. */
async function startJob (app: FastifyInstance, language: Language, rawcode: string): Promise<string> {
  const [image, tag] = podman!.images[language].split(/:(?=[^:]+$)/) as [string, string]
  const res = await app.inject({
    method: 'POST',
    url: URL,
    payload: {
      consumerAddress: alice.address,
      signature: await sign(alice, { documentId: DID }),
      documentId: DID,
      algorithmMeta: { rawcode, container: { entrypoint: ENTRYPOINTS[language], image, tag } },
      output: {}
    }
  })
  if (res.statusCode !== 200) throw new Error(`POST compute answered ${res.statusCode}: ${res.body}`)
  return (res.json() as LocalJobStatus[])[0]!.jobId
}

async function status (app: FastifyInstance, jobId: string): Promise<LocalJobStatus> {
  const res = await app.inject({ method: 'GET', url: URL, query: { consumerAddress: alice.address, jobId, signature: await sign(alice, { jobId }) } })
  if (res.statusCode !== 200) throw new Error(`GET compute answered ${res.statusCode}: ${res.body}`)
  return (res.json() as LocalJobStatus[])[0]!
}

/** Polls GET compute until the job is final (70, 31 or 32). */
async function finished (app: FastifyInstance, jobId: string): Promise<LocalJobStatus> {
  return await until(async () => {
    const job = await status(app, jobId)
    return [31, 32, 70].includes(job.status) ? job : undefined
  }, `job ${jobId} to end`, 90_000, 100)
}

/** Downloads a job's result by file name through computeResult. */
async function download (app: FastifyInstance, job: LocalJobStatus, filename: string): Promise<string> {
  const result = job.results.find(r => r.filename === filename)
  if (result === undefined) throw new Error(`no result ${filename} in ${JSON.stringify(job.results)}`)
  const signature = await alice.signMessage({ message: alice.address + job.jobId + String(result.index) })
  const res = await app.inject({ method: 'GET', url: `${PREFIX}/computeResult`, query: { consumerAddress: alice.address, jobId: job.jobId, index: String(result.index), signature } })
  if (res.statusCode !== 200) throw new Error(`computeResult answered ${res.statusCode}: ${res.body}`)
  return res.body
}

/** Runs a job to its end; its output `report.json` (written by the algorithm) parsed, and the job. */
async function report (app: FastifyInstance, language: Language, rawcode: string): Promise<{ job: LocalJobStatus, found: Record<string, unknown> }> {
  const job = await finished(app, await startJob(app, language, rawcode))
  if (job.exitCode !== 0) throw new Error(`the algorithm failed: ${await download(app, job, 'algorithm.log')}`)
  return { job, found: JSON.parse(await download(app, job, 'report.json')) }
}

// Node algorithm prelude: `attempt` records what a call gave (its error code, or 'done'), `done` writes the report.
const NODE = `const fs = require('fs'), path = require('path')
const found = {}
function attempt (name, fn) { try { found[name] = fn() ?? 'done' } catch (err) { found[name] = err.code } }
const done = () => fs.writeFileSync(path.join(process.env.OUTPUTS, 'report.json'), JSON.stringify(found))
`

if (podman !== undefined) {
  t.test('the test Podman runs node and python3 in their images through the Docker API', async t => {
    const docker = new Client('http://podman', { socketPath: podman.socketPath })
    t.teardown(async () => await docker.close())
    const call = async (method: 'GET' | 'POST' | 'DELETE', path: string, body?: object) => {
      const res = await docker.request({ method, path, ...(body === undefined ? {} : { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } }) })
      return { status: res.statusCode, body: Buffer.from(await res.body.arrayBuffer()) }
    }
    const runs: Array<[string, string[]]> = [[podman.images.node, ['node', '-e', 'console.log(6 * 7)']], [podman.images.python, ['python3', '-c', 'print(6 * 7)']]]
    for (const [image, cmd] of runs) {
      const created = await call('POST', '/containers/create', { Image: image, Cmd: cmd, HostConfig: { NetworkMode: 'none' } })
      t.equal(created.status, 201, `${image} is there`)
      const { Id: id } = JSON.parse(created.body.toString())
      t.teardown(async () => await call('DELETE', `/containers/${id}?force=true`))
      t.equal((await call('POST', `/containers/${id}/start`)).status, 204)
      t.same(JSON.parse((await call('POST', `/containers/${id}/wait`)).body.toString()), { StatusCode: 0, Error: null })
      // stdout without a TTY: an 8-byte frame header, then the line.
      t.equal((await call('GET', `/containers/${id}/logs?stdout=true`)).body.subarray(8).toString(), '42\n', `${cmd[0]} ran`)
    }
  })

  t.test('an algorithm cannot reach a server on the host\'s loopback: it has no network but its own', async t => {
    let connections = 0
    const server = createServer((_req, res) => res.end('the provider\'s secrets'))
    server.on('connection', () => { connections++ })
    server.listen(0, '127.0.0.1')
    await once(server, 'listening')
    t.teardown(() => server.close())
    const { port } = server.address() as AddressInfo
    const { app } = await provider(t)

    const { found } = await report(app, 'node', `${NODE}
const net = require('net'), os = require('os')
found.interfaces = Object.keys(os.networkInterfaces())
const socket = net.connect(${port}, '127.0.0.1')
socket.on('connect', () => { found.connect = 'connected'; socket.destroy(); done() })
socket.on('error', err => { found.connect = err.code; done() })`)
    t.same(found, { interfaces: ['lo'], connect: 'ECONNREFUSED' })
    t.equal(connections, 0, 'the host\'s server saw no connection')
  })

  t.test('an algorithm reads its inputs and nothing else of the provider\'s', async t => {
    const { app, dataDir } = await provider(t)
    const secret = join(dataDir, 'provider-secret.txt')
    await writeFile(secret, 'key')
    const { found } = await report(app, 'node', `${NODE}
const input = path.join(process.env.INPUTS, JSON.parse(process.env.DIDS)[0], '0')
attempt('input', () => fs.readFileSync(input, 'utf8').trim().split('\\n').length - 1)
attempt('secret', () => fs.readFileSync(${JSON.stringify(secret)}, 'utf8'))
attempt('dataset', () => fs.readFileSync(${JSON.stringify(CSV)}, 'utf8'))
// The records of every job sit next to the job folders on the host.
attempt('records', () => fs.readdirSync(${JSON.stringify(join(dataDir, 'records'))}))
attempt('above', () => fs.readdirSync(path.join(process.env.INPUTS, '../../../../records')))
attempt('root', () => fs.readdirSync('/').sort())
done()`)
    const { root, ...reads } = found
    t.same(reads, { input: ROWS, secret: 'ENOENT', dataset: 'ENOENT', records: 'ENOENT', above: 'ENOENT' })
    // The image's own tree, the C2D folders and what the engine makes of every container; nothing of the host's.
    const image = ['bin', 'data', 'dev', 'etc', 'lib', 'lib64', 'proc', 'run', 'sys', 'tmp', 'usr', 'var']
    t.same((root as string[]).filter(name => !image.includes(name)), [], 'no host folder is mounted')
  })

  t.test('an algorithm writes its outputs, its logs and /tmp, and nowhere else', async t => {
    const { app } = await provider(t)
    const { job, found } = await report(app, 'python', `import json, os
found = {}
def attempt(name, path):
    try:
        with open(path, 'a') as f:
            f.write('x')
        found[name] = 'written'
    except OSError as err:
        found[name] = err.strerror
attempt('rootfs', '/usr/bin/evil')
attempt('data', '/data/evil')
attempt('input', os.path.join(os.environ['INPUTS'], json.loads(os.environ['DIDS'])[0], '0'))
attempt('algorithm', '/data/transformations/algorithm')
attempt('tmp', '/tmp/scratch')
attempt('logs', os.path.join(os.environ['LOGS'], 'extra.log'))
with open(os.path.join(os.environ['OUTPUTS'], 'report.json'), 'w') as f:
    json.dump(found, f)`)
    t.same(found, {
      rootfs: 'Read-only file system',
      data: 'Read-only file system',
      input: 'Read-only file system',
      algorithm: 'Read-only file system',
      tmp: 'written',
      logs: 'written'
    })
    t.same(job.results.map(r => r.filename), ['report.json', 'algorithm.log', 'extra.log'])
    t.equal(await readFile(CSV, 'utf8').then(text => text.trim().split('\n').length - 1), ROWS, 'the dataset is intact')
  })

  t.test('a fork bomb stops at the pids limit and fails its job; the provider keeps serving', async t => {
    const pidsLimit = 32
    const { app } = await provider(t, { pidsLimit })
    // Each child sleeps, so that every fork holds a pid until the algorithm (pid 1) ends.
    const job = await finished(app, await startJob(app, 'python', `import os, sys, time
forked = 0
try:
    for _ in range(500):
        if os.fork() == 0:
            time.sleep(600)
            os._exit(0)
        forked += 1
finally:
    print('forked', forked, file=sys.stderr)`))
    t.match(job, { status: 70, exitCode: 1 })
    const log = await download(app, job, 'algorithm.log')
    t.match(log, /BlockingIOError: \[Errno 11\] Resource temporarily unavailable/)
    const forked = Number(/forked (\d+)/.exec(log)?.[1])
    t.ok(forked > 0 && forked < pidsLimit, `forked ${forked} processes, fewer than ${pidsLimit}`)

    const next = await finished(app, await startJob(app, 'node', "require('fs').writeFileSync(process.env.OUTPUTS + '/ok.txt', 'ok')"))
    t.match(next, { status: 70, exitCode: 0 })
    t.equal(await download(app, next, 'ok.txt'), 'ok', 'the next job runs')
  })

  t.test('a memory hog is killed at the memory limit and fails its job with that error; the provider keeps serving', async t => {
    const memoryBytes = 128 * 2 ** 20
    const { app } = await provider(t, { memoryBytes })
    const jobId = await startJob(app, 'node', `const held = []
for (;;) { held.push(Buffer.alloc(16 * 2 ** 20, 1)); console.log('holding', held.length * 16, 'MiB') }`)
    // While it runs, the provider answers.
    t.ok([1, 10, 20, 30, 40, 60, 70].includes((await status(app, jobId)).status))
    const job = await finished(app, jobId)
    t.match(job, { status: 70, exitCode: 137, error: /memory/ })
    const held = [...(await download(app, job, 'algorithm.log')).matchAll(/holding (\d+) MiB/g)].map(m => Number(m[1]))
    t.ok(held.length > 0 && Math.max(...held) <= 128, `it held at most ${Math.max(...held)} MiB`)

    const next = await finished(app, await startJob(app, 'python', 'print("still here")'))
    t.match(next, { status: 70, exitCode: 0 })
    t.match(await download(app, next, 'algorithm.log'), /still here/, 'the next job runs')
  })
}
