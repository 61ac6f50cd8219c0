import t, { type Test } from 'tap'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { LoggerInstance, LogLevel, ProviderInstance, type ComputeAlgorithm, type ComputeJob } from '@oceanprotocol/lib'
import { Wallet, type HDNodeWallet } from 'ethers'
import { buildProvider, type ProviderConfig } from '../../examples/provider-server.js'
import { NODE_PREFIX } from '../../examples/node-wire.js'
import { SAMPLE_DID } from '../../examples/data/sample.js'
import { startPodman } from '../helpers/podman.js'

// The real ocean.js 8.6.2 (@oceanprotocol/lib from npm, no stand-in) against the example
// provider's current wire: discovery, nonce, environments, freeCompute, status until done,
// result downloads (whole and resumed), tokens, stop, and its refusals as the client reports them.

const SUMMARY = /"Oslo": \{\n\s+"readings": 4,\n\s+"mean_temperature_c": -0\.52,/

// The refusals below are expected: the client's own error log would only repeat them.
LoggerInstance.setLevel(LogLevel.None)

const first = (jobs: ComputeJob | ComputeJob[]): ComputeJob => Array.isArray(jobs) ? jobs[0]! : jobs

async function text (chunks: AsyncIterable<Uint8Array>): Promise<string> {
  const parts: Uint8Array[] = []
  for await (const chunk of chunks) parts.push(chunk)
  return Buffer.concat(parts).toString('utf8')
}

/** The error text ocean.js throws for a refusal: the provider's body as JSON. */
async function refusal (call: Promise<unknown>): Promise<unknown> {
  try {
    await call
  } catch (err) {
    return JSON.parse((err as Error).message)
  }
  throw new Error('the call was not refused')
}

async function provider (t: Test, config: Partial<ProviderConfig>): Promise<string> {
  const dataDir = await mkdtemp(join(tmpdir(), 'foc-node-'))
  t.teardown(async () => await rm(dataDir, { recursive: true, force: true }))
  const { app } = await buildProvider({ port: 0, host: '127.0.0.1', dataDir, logger: false, ...config })
  t.teardown(async () => await app.close())
  return await app.listen({ port: 0, host: '127.0.0.1' }) + NODE_PREFIX
}

async function untilDone (node: string, consumer: Wallet | HDNodeWallet | string, jobId: string): Promise<ComputeJob> {
  for (let tries = 0; ; tries++) {
    const job = first(await ProviderInstance.computeStatus(node, consumer, jobId))
    if (job.dateFinished !== null && job.dateFinished !== undefined) return job
    if (tries > 400) throw new Error(`job ${jobId} still at ${job.status} ${job.statusText}`)
    await sleep(100)
  }
}

async function flow (t: Test, node: string, container: { image: string, tag: string }, liveLog: boolean): Promise<void> {
  const alice = Wallet.createRandom()
  const bob = Wallet.createRandom()
  const algorithm = (rawcode: string): ComputeAlgorithm =>
    ({ meta: { rawcode, container: { entrypoint: 'node $ALGO', ...container } } }) as unknown as ComputeAlgorithm
  const summary = await import('node:fs/promises').then(async fs => await fs.readFile(new URL('../../examples/algorithms/weather-summary.cjs', import.meta.url), 'utf8'))
  const datasets = [{ documentId: SAMPLE_DID, serviceId: 'compute' }]

  // The discovery document every client call starts with (ocean.js re-reads it each time).
  const endpoints = await (await fetch(node)).json() as { serviceEndpoints: unknown }
  t.match(endpoints.serviceEndpoints, { computeStreamableLogs: ['GET', 'computeStreamableLogs'], nonce: ['GET', 'nonce'], freeCompute: ['POST', 'freeCompute'], computeStatus: ['GET', 'compute'], computeResult: ['GET', 'computeResult'], computeStop: ['PUT', 'compute'] })
  t.equal(await ProviderInstance.getNonce(node, alice.address), 0, 'a new consumer\'s nonce is 0')

  const [environment] = await ProviderInstance.getComputeEnvironments(node)
  t.ok(environment?.free, 'a free environment')
  const env = environment!

  const started = first(await ProviderInstance.freeComputeStart(node, alice, env.id, datasets, algorithm(summary)))
  t.match(started, { owner: alice.address, environment: env.id, isFree: true, stopRequested: false, dateFinished: null })
  t.equal(await ProviderInstance.getNonce(node, alice.address), 1, 'the signed nonce is stored')

  const done = await untilDone(node, alice, started.jobId)
  t.match(done, { status: 70, statusText: 'Job finished', terminationDetails: { exitCode: 0 } })
  const output = done.results.find(result => result.type === 'output')!
  t.match(output, { filename: 'summary.json', type: 'output' })
  const whole = await text(await ProviderInstance.getComputeResult(node, alice, done.jobId, output.index!))
  t.match(whole, SUMMARY)
  t.equal(await text(await ProviderInstance.getComputeResult(node, alice, done.jobId, output.index!, 100)), whole.slice(100), 'a download resumed at byte 100 (Range)')
  const log = done.results.find(result => result.filename === 'algorithm.log')!
  t.match(log, { type: 'algorithmLog' })
  t.match(await (await fetch(await ProviderInstance.getComputeResultUrl(node, alice, done.jobId, log.index!))).text(), /summarised 16 readings of 4 stations/)

  // Tokens: one is made for alice's signature, and works where her signature would.
  const token = await ProviderInstance.generateAuthToken(alice, node)
  t.equal(first(await ProviderInstance.computeStatus(node, token, done.jobId)).jobId, done.jobId)
  // ocean.js builds a token's result URL without any credential and fetches it without the
  // token (ocean-node refuses that too): the token goes in Authorization, as on every route.
  const tokenUrl = await ProviderInstance.getComputeResultUrl(node, token, done.jobId, output.index!)
  t.equal((await fetch(tokenUrl)).status, 401, 'a result URL of a token carries no credential of its own')
  t.match(await (await fetch(tokenUrl, { headers: { authorization: token } })).text(), SUMMARY)

  // Refusals, as the client reports them.
  t.same(await refusal(ProviderInstance.freeComputeStart(node, alice, env.id, datasets, algorithm(summary), [{ id: 'cpu', amount: 1000 }])),
    { error: `Not enough cpu resources. Requested 1000, but max is ${env.free!.resources!.find(r => r.id === 'cpu')!.max}` })
  t.same(await refusal(ProviderInstance.computeStop(done.jobId, node, bob)), { error: `No job ${done.jobId} of this consumer.` }, 'bob cannot stop alice\'s job')
  await t.rejects(ProviderInstance.getComputeResult(node, bob, done.jobId, output.index!), { message: 'Failed to fetch compute result: 404' }, 'nor download its results')
  t.same(await refusal(ProviderInstance.computeStart(node, alice, env.id, datasets, algorithm(summary), 60, '0x' + '0'.repeat(40), [], 8996)),
    { error: 'Paid compute (escrow on Ocean\'s V4 contracts) is not offered by this provider: use freeCompute, or its v0.4 wire for ordered jobs.' })

  // Stop: a job that would run for a minute ends at once, marked as stopped.
  const long = first(await ProviderInstance.freeComputeStart(node, alice, env.id, datasets, algorithm('console.log("tick"); setTimeout(() => {}, 60000)'), undefined, undefined, undefined, undefined, undefined, undefined, 30))
  t.match(long, { maxJobDuration: env.free!.maxJobDuration, queueMaxWaitTime: 30 }, 'the free tier\'s time (ocean.js sends none for a free job), the queue wait as sent')
  for (let tries = 0; first(await ProviderInstance.computeStatus(node, alice, long.jobId)).status !== 40 && tries < 400; tries++) await sleep(100)
  // Its log as it is written, until it ends: the local engine writes it live, the container engine when the container ends.
  const live = (await ProviderInstance.computeStreamableLogs(node, alice, long.jobId) as AsyncIterable<Uint8Array>)[Symbol.asyncIterator]()
  t.equal(await ProviderInstance.computeStreamableLogs(node, bob, long.jobId), null, 'bob cannot follow alice\'s job (ocean-node lets anyone)')
  let followed = ''
  if (liveLog) while (!followed.includes('tick')) followed += Buffer.from((await live.next()).value as Uint8Array).toString()
  const stopped = first(await ProviderInstance.computeStop(long.jobId, node, alice))
  t.match(stopped, { jobId: long.jobId, stopRequested: true })
  const ended = await untilDone(node, alice, long.jobId)
  t.match(ended, { status: 70, stopRequested: true })
  for (let chunk = await live.next(); chunk.done !== true; chunk = await live.next()) followed += Buffer.from(chunk.value).toString()
  // The loop above ends only when the stream does (else the test times out); the local engine's was live.
  if (liveLog) t.match(followed, /tick/, 'the followed log, as it was written')
  const kept = ended.results.find(result => result.filename === 'algorithm.log')!
  t.equal(followed, await (await fetch(await ProviderInstance.getComputeResultUrl(node, alice, long.jobId, kept.index!))).text(), 'the followed log is the log the job kept')
}

t.test('the real ocean.js 8.6.2 runs a free job on the local engine', async t => {
  await flow(t, await provider(t, {}), { image: 'node', tag: '20' }, true)
})

t.test('the real ocean.js 8.6.2 runs a free job on the container engine (Podman)', async t => {
  const podman = await startPodman(t)
  if (podman === undefined) return
  process.env.DOCKER_HOST = `unix://${podman.socketPath}`
  const [name, tag] = podman.images.node.split(/:(?=[^:]*$)/) as [string, string]
  await flow(t, await provider(t, { engine: 'docker', images: [podman.images.node] }), { image: name, tag }, false)
})
