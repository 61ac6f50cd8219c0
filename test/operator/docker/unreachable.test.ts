import t, { type Test } from 'tap'
import { once } from 'node:events'
import { mkdir, writeFile } from 'node:fs/promises'
import { createServer as createHttpServer } from 'node:http'
import { createServer } from 'node:net'
import { join } from 'node:path'
import { dockerOperator } from '../../../lib/index.js'
import { build, COMPUTE_PATH } from '../../helpers/build.js'
import { alice, DID } from '../../helpers/sign.js'
import { until } from '../../helpers/until.js'
import { CSV_PATH, dataFolder, startJob, currentJob } from './helpers.js'

// No Docker needed: these are about a daemon that is not there, does not answer, or refuses.

function recordingLog () {
  const warnings: string[] = []
  return { warnings, log: { warn: (_obj: object, msg: string) => { warnings.push(msg) } } }
}

async function providerOn (t: Test, socketPath: string, dataDir?: string) {
  const { warnings, log } = recordingLog()
  const operator = dockerOperator({ dataDir: dataDir ?? await dataFolder(t), socketPath, log, datasets: { [DID]: CSV_PATH } })
  const { app } = await build({ operator })
  t.teardown(async () => await app.close())
  return { app, warnings }
}

t.test('Docker not reachable: a warning at startup, a 503 for a start, statuses still served', async t => {
  const dir = await dataFolder(t)
  const { app, warnings } = await providerOn(t, join(dir, 'no-docker.sock'))
  const began = Date.now()
  const res = await startJob(app, { rawcode: 'x', image: 'node:20' })
  t.equal(res.statusCode, 503)
  t.same(res.json(), { error: 'The container engine cannot reach Docker.' }, 'the body names no socket')
  t.ok(Date.now() - began < 5000, 'at once')
  t.same(warnings, ['dockerOperator: The container engine cannot reach Docker. Jobs cannot start until it can.'])
  const list = await app.inject({ method: 'GET', url: COMPUTE_PATH, query: { consumerAddress: alice.address, signature: await alice.signMessage({ message: alice.address }) } })
  t.same([list.statusCode, list.json()], [200, []])
})

t.test('a daemon that accepts and never answers: a 503 within the ping\'s bound, never a hang', async t => {
  const dir = await dataFolder(t)
  const socketPath = join(dir, 'silent.sock')
  const server = createServer(() => {}) // holds every connection, answers nothing
  server.listen(socketPath)
  await once(server, 'listening')
  t.teardown(() => { server.close() })
  const { app } = await providerOn(t, socketPath)
  const began = Date.now()
  const res = await startJob(app, { rawcode: 'x', image: 'node:20' })
  const took = Date.now() - began
  t.equal(res.statusCode, 503)
  t.ok(took >= 2500 && took < 10_000, `answered in ${took} ms`)
})

t.test('after a restart with Docker down, running jobs are left as they are, not marked interrupted', async t => {
  const dataDir = await dataFolder(t)
  const jobId = 'c'.repeat(32)
  await mkdir(join(dataDir, 'records'), { recursive: true })
  await writeFile(join(dataDir, 'records', `${jobId}.json`), JSON.stringify({
    jobId,
    owner: alice.address,
    agreementId: '',
    documentId: DID,
    inputDID: [DID],
    algoDID: 'raw',
    container: { image: 'node', tag: '20' },
    status: 40,
    statusText: 'Running algorithm',
    dateCreated: 1,
    dateFinished: null,
    stopreq: 0,
    exitCode: null,
    results: []
  }))
  const { app, warnings } = await providerOn(t, join(dataDir, 'no-docker.sock'), dataDir)
  t.match(await currentJob(app, jobId), { status: 40, statusText: 'Running algorithm' })
  t.ok(warnings.includes('dockerOperator: Docker is not reachable; 1 job(s) recorded as running are left so until a restart finds it'), warnings.join('\n'))
})

t.test('without a logger, the startup warning is a process warning', async t => {
  const dir = await dataFolder(t)
  const warned = once(process, 'warning')
  const operator = dockerOperator({ dataDir: dir, socketPath: join(dir, 'no-docker.sock') })
  t.teardown(async () => await operator.close())
  const [warning] = await warned as [Error]
  t.match(warning, { name: 'DockerOperatorWarning', message: /cannot reach Docker/ })
})

t.test('a daemon that refuses: the job ends at 32 saying what failed, never the daemon\'s words', async t => {
  const dir = await dataFolder(t)
  const socketPath = join(dir, 'refusing.sock')
  const SECRET = 'mount /srv/provider/secret failed'
  const pulls: string[] = []
  // Answers the ping and the image checks (hangs up on node:gone's); pulls all but python:3,
  // whose pull fails in its progress stream; fails every create.
  const daemon = createHttpServer((req, res) => {
    if (req.url === '/_ping') return res.end('OK')
    if (req.url!.startsWith('/images/node%3Agone/')) return req.socket.destroy()
    if (req.url!.startsWith('/images/node%3A20/')) return res.end('{}')
    if (req.url!.startsWith('/images/')) {
      pulls.push(req.url!)
      if (req.method === 'GET') return res.writeHead(404).end('{"message":"no such image"}')
      return res.end(req.url!.includes('tag=3') ? `{"status":"Pulling"}\n{"error":"${SECRET}"}\n` : '{"status":"Pulling"}\n{"status":"Downloaded"}\n')
    }
    res.writeHead(500).end(req.url!.startsWith('/containers/create') ? `{"message":"${SECRET}"}` : 'not json')
  })
  daemon.listen(socketPath)
  await once(daemon, 'listening')
  t.teardown(() => { daemon.close() })
  const { warnings, log } = recordingLog()
  const digest = 'sha256:' + 'd'.repeat(64)
  const operator = dockerOperator({ dataDir: dir, socketPath, log, pull: true, images: ['node', 'python', `node@${digest}`], datasets: { [DID]: CSV_PATH } })
  const { app } = await build({ operator })
  t.teardown(async () => await app.close())

  const cases: Array<[string, string]> = [
    ['node:20', 'The container could not be created (Docker answered 500).'],
    ['python:3', 'The image python:3 is not available (Docker answered 500).'],
    ['python:pulled', 'The container could not be created (Docker answered 500).'],
    ['node:gone', 'The image node:gone is not available: the provider could not reach its container engine.'],
    // Pulled by its digest, as pinned: then the create fails like any other.
    [`node:${digest}`, 'The container could not be created (Docker answered 500).'],
    [`python:${digest}`, `The image python@${digest} is not allowed on this provider (allowed: node, python, node@${digest}).`],
    [`node:20@${digest}`, `The image node:20@${digest} is not a valid image reference.`]
  ]
  for (const [image, error] of cases) {
    const res = await startJob(app, { rawcode: 'x', image })
    const { jobId } = (res.json() as Array<{ jobId: string }>)[0]!
    const job = await until(async () => { const job = await currentJob(app, jobId); return job?.status === 32 ? job : undefined }, 'the job to fail')
    t.equal(job.error, error, image)
  }
  t.ok(warnings.some(warning => warning === 'dockerOperator: The container could not be created'), 'the provider\'s log has it')
  t.ok(pulls.includes(`/images/create?fromImage=node&tag=${encodeURIComponent(digest)}`), 'the digest was pulled by its digest')
})

t.test('a daemon that drops a job\'s wait or loses its container: the job fails, and its container is killed and removed, not left running', async t => {
  const dir = await dataFolder(t)
  const socketPath = join(dir, 'dropping.sock')
  const calls: string[] = []
  let created = 0
  // c1: the wait is dropped; c2: the wait ends, then the container cannot be inspected.
  const daemon = createHttpServer((req, res) => {
    calls.push(`${req.method} ${req.url!.split('?')[0]}`)
    if (req.url === '/_ping') return res.end('OK')
    if (req.url!.startsWith('/images/')) return res.end('{}')
    if (req.url!.startsWith('/containers/create')) return res.writeHead(201).end(`{"Id":"c${++created}"}`)
    if (req.url === '/containers/c1/wait') return req.socket.destroy()
    if (req.url === '/containers/c2/wait') return res.end('{"StatusCode":0}')
    if (req.url === '/containers/c2/json') return res.writeHead(500).end('{"message":"no such container"}')
    res.writeHead(204).end()
  })
  daemon.listen(socketPath)
  await once(daemon, 'listening')
  t.teardown(() => { daemon.close() })
  const { log } = recordingLog()
  const operator = dockerOperator({ dataDir: dir, socketPath, log, images: ['node'], datasets: { [DID]: CSV_PATH } })
  const { app } = await build({ operator })
  t.teardown(async () => await app.close())
  for (const [id, error] of <Array<[string, string]>>[
    ['c1', 'The container failed: the provider could not reach its container engine.'],
    ['c2', 'The container failed (Docker answered 500).']
  ]) {
    const { jobId } = ((await startJob(app, { rawcode: 'x', image: 'node:20' })).json() as Array<{ jobId: string }>)[0]!
    const job = await until(async () => { const job = await currentJob(app, jobId); return job?.status === 32 ? job : undefined }, 'the job to fail')
    t.equal(job.error, error, id)
    await until(async () => calls.includes(`DELETE /containers/${id}`) || undefined, `${id} removed`)
  }
  t.ok(calls.includes('POST /containers/c1/kill'), 'the container whose wait was dropped is killed first')
})
