import t, { type Test } from 'tap'
import { once } from 'node:events'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Fastify from 'fastify'
import { SAMPLE_DID } from '../../examples/data/sample.js'
import { registerOperations } from '../../examples/metrics.js'
import { buildProvider, PREFIX } from '../../examples/provider-server.js'
import type { ComputeOperator } from '../../lib/index.js'
import { alice } from '../helpers/sign.js'
import { until } from '../helpers/until.js'
import { spawnScript as run } from '../helpers/process.js'

async function dataFolder (t: Test): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'foc-metrics-'))
  t.teardown(async () => await rm(dir, { recursive: true, force: true }))
  return dir
}

/** The value of the sample `series` (name and labels, exactly as exposed) in a scrape; undefined when absent. */
function sample (scrape: string, series: string): number | undefined {
  const line = scrape.split('\n').find(line => line.startsWith(series + ' '))
  return line === undefined ? undefined : Number(line.slice(series.length + 1))
}

const START = `${PREFIX}/compute`

t.test('GET /metrics of npm run example, scraped before and after a real job: counts, a latency bucket and the job moved', async t => {
  const dataDir = await dataFolder(t)
  const provider = run('examples/provider-server.ts', { PORT: '0', HOST: '127.0.0.1', DATA_DIR: dataDir })
  t.teardown(() => { provider.kill('SIGKILL') })
  const url = await until(() => /Provider listening at (http:\/\/\S+)/.exec(provider.output())?.[1], 'the provider to listen', 20_000, 50)
  const scrape = async () => {
    const res = await fetch(new URL('/metrics', url))
    t.match(res.headers.get('content-type'), /^text\/plain; version=0\.0\.4/)
    return await res.text()
  }
  const before = await scrape()
  t.equal(sample(before, 'compute_starts_total{outcome="accepted",code=""}'), undefined, 'no start yet')
  t.ok(sample(before, 'process_cpu_seconds_total') !== undefined, 'the process metrics are there too')

  const consumer = run('examples/consumer.ts', { PROVIDER_URL: url })
  const [code] = await once(consumer, 'exit')
  t.equal(code, 0, consumer.output())
  const forged = await fetch(new URL(START, url), {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ consumerAddress: alice.address, signature: '0x' + '1'.repeat(130), documentId: SAMPLE_DID, algorithmMeta: { rawcode: '1' }, output: {} })
  })
  t.equal(forged.status, 401)

  const after = await scrape()
  t.equal(sample(after, `compute_http_requests_total{method="POST",route="${START}",status="200"}`), 1)
  t.equal(sample(after, `compute_http_requests_total{method="POST",route="${START}",status="401"}`), 1)
  t.ok(sample(after, `compute_http_requests_total{method="GET",route="${START}",status="200"}`)! >= 1, 'the consumer polled the status')
  t.equal(sample(after, 'compute_starts_total{outcome="accepted",code=""}'), 1)
  t.equal(sample(after, 'compute_starts_total{outcome="refused",code="FST_COMPUTE_INVALID_SIGNATURE"}'), 1)
  t.equal(sample(after, 'compute_operator_call_seconds_count{operation="start",outcome="ok"}'), 1)
  t.equal(sample(after, 'compute_operator_call_seconds_bucket{le="30",operation="start",outcome="ok"}'), 1, 'a latency bucket moved')
  t.ok(sample(after, 'compute_operator_call_seconds_count{operation="status",outcome="ok"}')! >= 1)
  t.match(after, /compute_signature_recovery_seconds_count\{backend="(native|viem)",recovered="true"\} [1-9]/)
  t.equal(sample(after, 'compute_jobs_finished_total{status="70",stopreq="0"}'), 1)
  t.equal(sample(after, 'compute_job_run_seconds_count'), 1)
  t.equal(sample(after, 'compute_jobs_queued'), 0)
  t.equal(sample(after, 'compute_jobs_running'), 0)
  t.equal(sample(after, 'compute_oldest_queued_job_age_seconds'), 0)

  const health = await fetch(new URL('/health', url))
  const body = await health.json() as { eventLoop: string }
  t.match(body, { operator: 'ok', nonceStore: 'none', eventLoop: /^(ok|failing)$/, eventLoopDelay: Number })
  // A loaded test machine may lag past the threshold: the answer must agree with it.
  t.equal(health.status, body.eventLoop === 'ok' ? 200 : 503)
})

t.test('queue depth, running jobs and the oldest queued job\'s age', async t => {
  const { app } = await buildProvider({ port: 0, host: '127.0.0.1', dataDir: await dataFolder(t), logger: false })
  t.teardown(async () => await app.close())
  const start = async () => await app.inject({
    method: 'POST',
    url: START,
    payload: {
      consumerAddress: alice.address,
      signature: await alice.signMessage({ message: alice.address + SAMPLE_DID }),
      documentId: SAMPLE_DID,
      algorithmMeta: { rawcode: 'setTimeout(() => {}, 60000)', container: { entrypoint: 'node $ALGO' } },
      output: {}
    }
  })
  for (let i = 0; i < 3; i++) t.equal((await start()).statusCode, 200)
  await new Promise(resolve => setTimeout(resolve, 50))
  const scrape = (await app.inject('/metrics')).body
  t.equal(sample(scrape, 'compute_jobs_queued'), 1, 'two slots: the third job waits')
  t.equal(sample(scrape, 'compute_jobs_running'), 2)
  t.ok(sample(scrape, 'compute_oldest_queued_job_age_seconds')! >= 0.05)
})

t.test('GET /health is a 503 naming what does not answer: an operator that fails, a nonce store that hangs', async t => {
  const broken: ComputeOperator = {
    start: async () => [],
    stop: async () => [],
    delete: async () => [],
    status: async () => { throw new Error('connection refused') }
  }
  const app = Fastify()
  await registerOperations(app, { operator: broken, nonceStore: { get: async () => await new Promise<string>(() => {}), advance: () => true }, healthTimeout: 50 })
  t.teardown(async () => await app.close())
  const res = await app.inject('/health')
  t.equal(res.statusCode, 503)
  t.match(res.json(), { status: 'failing', operator: 'failing', nonceStore: 'failing' })
  t.equal((await app.inject('/metrics')).statusCode, 200, 'the other routes still answer')
})

t.test('GET /health fails when the event loop lags past maxEventLoopDelay', async t => {
  const app = Fastify()
  const operator: ComputeOperator = { start: async () => [], stop: async () => [], delete: async () => [], status: async () => [] }
  await registerOperations(app, { operator, maxEventLoopDelay: 1 })
  t.teardown(async () => await app.close())
  const busy = Date.now() + 1500
  while (Date.now() < busy) {
    // under-pressure samples the delay every second: block the loop through a sample.
    await new Promise(resolve => setImmediate(resolve))
    const until = Date.now() + 50
    while (Date.now() < until);
  }
  const res = await app.inject('/health')
  t.equal(res.statusCode, 503)
  t.match(res.json(), { status: 'failing', operator: 'ok', nonceStore: 'none', eventLoop: 'failing' })
})
