import t, { type Test } from 'tap'
import { createServer } from 'node:http'
import { once } from 'node:events'
import { readFile, writeFile } from 'node:fs/promises'
import type { AddressInfo } from 'node:net'
import { join } from 'node:path'
import type { FastifyInstance } from 'fastify'
import { Client } from 'undici'
import type { LocalJobStatus } from '../../../lib/index.js'
import { startPodman } from '../../helpers/podman.js'
import { CSV_PATH, dataFolder, download, provider, started, currentJob, waitFor } from './helpers.js'

// What an algorithm can reach from its container, through the routes, on a real Podman.
// Each job here is a container start (~0.5 s, more on a busy machine), the first run of
// all also builds the test images: the file gets more than tap's default minute.
t.setTimeout(240_000)

const podman = await startPodman(t)
const ROWS = 16

type Language = 'node' | 'python'
const ENTRYPOINTS: Record<Language, string> = { node: 'node $ALGO', python: 'python3 $ALGO' }

/** Runs `rawcode` in the test image of `language`, started through POST compute, to its end. */
async function run (t: Test, app: FastifyInstance, language: Language, rawcode: string): Promise<LocalJobStatus> {
  const jobId = await started(t, app, { rawcode, image: podman!.images[language], entrypoint: ENTRYPOINTS[language] })
  return await waitFor(app, jobId, undefined, 90_000)
}

/** Result `filename` of a finished job, downloaded through computeResult. */
async function result (app: FastifyInstance, job: LocalJobStatus, filename: string): Promise<string> {
  const index = job.results.find(r => r.filename === filename)?.index
  if (index === undefined) throw new Error(`no result ${filename} in ${JSON.stringify(job.results)}`)
  const { statusCode, body } = await download(app, job.jobId, index)
  if (statusCode !== 200) throw new Error(`computeResult answered ${statusCode}: ${body}`)
  return body
}

/** Runs a job that succeeds; its output `report.json` (what the algorithm found) parsed, and the job. */
async function report (t: Test, app: FastifyInstance, language: Language, rawcode: string): Promise<{ job: LocalJobStatus, found: Record<string, unknown> }> {
  const job = await run(t, app, language, rawcode)
  if (job.exitCode !== 0) throw new Error(`the algorithm failed: ${await result(app, job, 'algorithm.log')}`)
  return { job, found: JSON.parse(await result(app, job, 'report.json')) }
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
    const app = await provider(t, podman)

    const { found } = await report(t, app, 'node', `${NODE}
const net = require('net'), os = require('os')
found.interfaces = Object.keys(os.networkInterfaces())
const socket = net.connect(${port}, '127.0.0.1')
socket.on('connect', () => { found.connect = 'connected'; socket.destroy(); done() })
socket.on('error', err => { found.connect = err.code; done() })`)
    t.same(found, { interfaces: ['lo'], connect: 'ECONNREFUSED' })
    t.equal(connections, 0, 'the host\'s server saw no connection')
  })

  t.test('an algorithm reads its inputs and nothing else of the provider\'s', async t => {
    const dataDir = await dataFolder(t)
    const app = await provider(t, podman, { dataDir })
    const secret = join(dataDir, 'provider-secret.txt')
    await writeFile(secret, 'key')
    const { found } = await report(t, app, 'node', `${NODE}
const input = path.join(process.env.INPUTS, JSON.parse(process.env.DIDS)[0], '0')
attempt('input', () => fs.readFileSync(input, 'utf8').trim().split('\\n').length - 1)
attempt('secret', () => fs.readFileSync(${JSON.stringify(secret)}, 'utf8'))
attempt('dataset', () => fs.readFileSync(${JSON.stringify(CSV_PATH)}, 'utf8'))
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
    const app = await provider(t, podman)
    const { job, found } = await report(t, app, 'python', `import json, os
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
    t.same(job.results.map(r => r.filename), ['report.json', 'algorithm.log', 'engine.log', 'logs/extra.log'])
    t.equal(await readFile(CSV_PATH, 'utf8').then(text => text.trim().split('\n').length - 1), ROWS, 'the dataset is intact')
  })

  t.test('a fork bomb stops at the pids limit and fails its job; the provider keeps serving', async t => {
    const pidsLimit = 32
    const app = await provider(t, podman, { pidsLimit })
    // Each child sleeps, so that every fork holds a pid until the algorithm (pid 1) ends.
    const job = await run(t, app, 'python', `import os, sys, time
forked = 0
try:
    for _ in range(500):
        if os.fork() == 0:
            time.sleep(600)
            os._exit(0)
        forked += 1
finally:
    print('forked', forked, file=sys.stderr)`)
    t.match(job, { status: 70, exitCode: 1 })
    const log = await result(app, job, 'algorithm.log')
    t.match(log, /BlockingIOError: \[Errno 11\] Resource temporarily unavailable/)
    const forked = Number(/forked (\d+)/.exec(log)?.[1])
    t.ok(forked > 0 && forked < pidsLimit, `forked ${forked} processes, fewer than ${pidsLimit}`)

    const next = await run(t, app, 'node', "require('fs').writeFileSync(process.env.OUTPUTS + '/ok.txt', 'ok')")
    t.match(next, { status: 70, exitCode: 0 })
    t.equal(await result(app, next, 'ok.txt'), 'ok', 'the next job runs')
  })

  t.test('a memory hog is killed at the memory limit and fails its job with that error; the provider keeps serving', async t => {
    const memoryBytes = 128 * 2 ** 20
    const app = await provider(t, podman, { memoryBytes })
    // Up to 1 GiB, written to so that it is resident: far past the limit, yet bounded if there were none.
    const hog = `const held = []
while (held.length < 64) { held.push(Buffer.alloc(16 * 2 ** 20, 1)); console.log('holding', held.length * 16, 'MiB') }`
    const jobId = await started(t, app, { image: podman.images.node, rawcode: hog })
    // While it runs, the provider answers.
    t.ok([1, 10, 20, 30, 40, 60, 70].includes((await currentJob(app, jobId))!.status))
    const job = await waitFor(app, jobId, undefined, 90_000)
    t.match(job, { status: 70, exitCode: 137, error: /memory/ })
    const held = [...(await result(app, job, 'algorithm.log')).matchAll(/holding (\d+) MiB/g)].map(m => Number(m[1]))
    t.ok(held.length > 0 && Math.max(...held) <= 128, `it held at most ${Math.max(...held)} MiB`)

    const next = await run(t, app, 'python', 'print("still here")')
    t.match(next, { status: 70, exitCode: 0 })
    t.match(await result(app, next, 'algorithm.log'), /still here/, 'the next job runs')
  })
}
