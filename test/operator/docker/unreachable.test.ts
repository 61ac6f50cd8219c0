import t, { type Test } from 'tap'
import { once } from 'node:events'
import { mkdir, writeFile } from 'node:fs/promises'
import { createServer } from 'node:net'
import { join } from 'node:path'
import { dockerOperator } from '../../../lib/index.js'
import { build, URL } from '../../helpers/build.js'
import { alice, DID } from '../../helpers/sign.js'
import { CSV_PATH, dataFolder, startJob, statusOf } from './helpers.js'

// No Docker needed: these are about a daemon that is not there, or does not answer.

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
  const list = await app.inject({ method: 'GET', url: URL, query: { consumerAddress: alice.address, signature: await alice.signMessage({ message: alice.address }) } })
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
  t.match(await statusOf(app, jobId), { status: 40, statusText: 'Running algorithm' })
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
