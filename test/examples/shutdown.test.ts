import t from 'tap'
import { spawn } from 'node:child_process'
import { once } from 'node:events'
import http from 'node:http'
import { connect, type Socket } from 'node:net'
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { SAMPLE_DID } from '../../examples/data/sample.js'
import type { LocalJobStatus } from '../../lib/index.js'
import { INTERRUPTED_TEXT } from '../../lib/operator/engine/lifecycle.js'
import { alice, sign } from '../helpers/sign.js'
import { until } from '../helpers/until.js'

// A provider process starts through tsx, which compiles on start: on a busy 2-core machine
// that took more than 30 s here. Waits are for events, with room; the verdicts are not timed.
t.setTimeout(240_000)
const STARTUP_MS = 120_000

// SIGTERM to the example provider: it stops accepting connections, answers the request
// it is in the middle of (on a keep-alive connection, the case Node leaves open), ends
// idle connections, and exits with code 0 soon after, not after a keepAliveTimeout.
const ROOT = new URL('../..', import.meta.url).pathname
const KEY = '0x4c0883a69102937d6231471b5dbb6204fe5129617082792ae468d01a3f362318'
const COMPUTE = '/api/v1/services/compute'

/** What a TCP connection to the port meets: 'accepted' or the error code. */
async function dial (port: number): Promise<string> {
  const socket: Socket = connect(port, '127.0.0.1')
  try {
    await once(socket, 'connect')
    return 'accepted'
  } catch (err) {
    return String((err as NodeJS.ErrnoException).code)
  } finally {
    socket.destroy()
  }
}

async function within<T> (promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<never>((_resolve, reject) => { timer = setTimeout(() => reject(new Error(`timed out waiting for ${what}`)), ms) })
  try {
    return await Promise.race([promise, timeout])
  } finally {
    clearTimeout(timer)
  }
}

async function answer (response: http.IncomingMessage): Promise<{ status: number, headers: http.IncomingHttpHeaders, body: string }> {
  let body = ''
  for await (const chunk of response) body += String(chunk)
  return { status: response.statusCode!, headers: response.headers, body }
}

t.test('SIGTERM: no new connections, the in-flight request answered, a clean exit', async t => {
  const dataDir = await mkdtemp(join(tmpdir(), 'foc-shutdown-'))
  // Two agents, so that the start does not reuse the idle connection.
  const idleAgent = new http.Agent({ keepAlive: true })
  const agent = new http.Agent({ keepAlive: true })
  const provider = spawn(process.execPath, ['--import', 'tsx', 'examples/provider-server.ts'], {
    cwd: ROOT,
    env: { ...process.env, PORT: '0', HOST: '127.0.0.1', DATA_DIR: dataDir, PROVIDER_PRIVATE_KEY: KEY }
  })
  t.teardown(async () => {
    idleAgent.destroy()
    agent.destroy()
    if (provider.exitCode === null && provider.signalCode === null) provider.kill('SIGKILL')
    await rm(dataDir, { recursive: true, force: true })
  })
  let output = ''
  provider.stdout.on('data', chunk => { output += String(chunk) })
  provider.stderr.on('data', chunk => { output += String(chunk) })
  const exited = once(provider, 'exit')
  const url = new URL(await until(() => {
    if (provider.exitCode !== null) throw new Error(`the provider ended: ${output}`)
    return /Provider listening at (http:\/\/\S+)/.exec(output)?.[1]
  }, 'the provider to listen', STARTUP_MS))
  const port = Number(url.port)

  // A keep-alive connection that is idle when the SIGTERM comes.
  const get = http.get(url, { agent: idleAgent })
  const [idleSocket] = await once(get, 'socket') as [Socket]
  const idleClosed = once(idleSocket, 'close')
  const [idle] = await once(get, 'response') as [http.IncomingMessage]
  t.equal((await answer(idle)).status, 200)
  t.equal(idle.headers.connection, 'keep-alive')

  // A start in flight: its headers are in (the server logged the request), its body is not.
  const body = JSON.stringify({
    consumerAddress: alice.address,
    signature: await sign(alice, { documentId: SAMPLE_DID }),
    documentId: SAMPLE_DID,
    algorithmMeta: { rawcode: 'setTimeout(() => {}, 60000)', container: { entrypoint: 'node $ALGO' } },
    output: {}
  })
  const start = http.request(new URL(COMPUTE, url), {
    method: 'POST',
    agent,
    headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), connection: 'keep-alive' }
  })
  const started = new Promise<http.IncomingMessage>((resolve, reject) => start.on('response', resolve).on('error', reject))
  start.write(body.slice(0, 40))
  await until(() => /"method":"POST","url":"\/api\/v1\/services\/compute"[^\n]*"msg":"incoming request"/.test(output) || undefined, 'the start to be received')

  provider.kill('SIGTERM')
  await until(() => output.includes('"msg":"closing"') || undefined, 'the provider to begin closing')
  t.equal(await until(async () => {
    const met = await dial(port)
    return met === 'accepted' ? undefined : met
  }, 'new connections to be refused', 10_000), 'ECONNREFUSED', 'new connections are refused while the in-flight request runs')
  await idleClosed
  t.pass('the idle keep-alive connection is closed')
  t.equal(provider.exitCode, null, 'the provider waits for the in-flight request')

  start.end(body.slice(40))
  const reply = await answer(await started)
  const answeredAt = Date.now()
  t.equal(reply.status, 200, reply.status === 200 ? 'the in-flight start is answered as usual' : reply.body)
  t.equal(reply.headers.connection, 'close', 'and told that the connection ends')
  const [job] = JSON.parse(reply.body) as LocalJobStatus[]
  t.match(job, { owner: alice.address, status: 1, statusText: 'Warming up' })

  // Well under the 72 s keepAliveTimeout a connection left open would hold it for, with room for a busy machine.
  const [code, signal] = await within(exited, 60_000, 'the provider to exit')
  t.equal(code, 0, 'exit code 0')
  t.equal(signal, null)
  t.ok(Date.now() - answeredAt < 60_000, `exited ${Date.now() - answeredAt} ms after the answer (the keepAliveTimeout is 72 s)`)
  t.equal(await dial(port), 'ECONNREFUSED', 'nothing listens afterwards')

  // The job it accepted is not lost: closing ended it as interrupted, on disk.
  const record = JSON.parse(await readFile(join(dataDir, 'records', `${job!.jobId}.json`), 'utf8')) as LocalJobStatus
  t.match(record, { jobId: job!.jobId, status: 70, statusText: INTERRUPTED_TEXT })
})
