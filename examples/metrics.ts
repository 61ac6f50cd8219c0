// What the provider is doing, for Prometheus and for a load balancer: `GET /metrics`
// (prom-client, fed from the plugin's diagnostics channels and Fastify's onResponse hook)
// and `GET /health` (does the operator answer? the nonce store? is the event loop keeping
// up, as @fastify/under-pressure measures it?). A failing /health is a 503, for the load
// balancer to take this instance out of rotation; the other routes keep answering (an
// under-pressure threshold would answer them all 503, jobs' status polls included).
import { subscribe, unsubscribe } from 'node:diagnostics_channel'
import type { FastifyInstance } from 'fastify'
import underPressure from '@fastify/under-pressure'
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client'
import {
  CHANNELS, type ComputeOperator, type JobMessage, type NonceStore, type NonceStoreMessage,
  type OperatorMessage, type SignatureMessage, type StartMessage
} from 'fastify-ocean-compute'

export interface OperationsOptions {
  operator: ComputeOperator
  nonceStore?: NonceStore | undefined
  /** Milliseconds /health waits for the operator and the nonce store. Default: 2000. */
  healthTimeout?: number
  /** Mean event loop delay in ms past which /health fails. Default: 1000. */
  maxEventLoopDelay?: number
}

// Seconds: signature recoveries take tens of µs, operator calls ms to seconds.
const CALL_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30]
const RECOVERY_BUCKETS = [0.00001, 0.000025, 0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.01]
const JOB_BUCKETS = [1, 5, 15, 60, 300, 900, 3600, 4 * 3600, 24 * 3600]

// An address nobody signs for: the health check asks the operator for its jobs (none).
const NOBODY = '0x0000000000000000000000000000000000000000'

interface Metrics {
  registry: Registry
  /** The channel subscriptions that feed them. */
  subscriptions: Array<[string, (message: unknown) => void]>
  countRequest: (labels: { method: string, route: string, status: string }) => void
}

/** The provider's metrics, in a registry of its own. */
function providerMetrics (): Metrics {
  const registry = new Registry()
  collectDefaultMetrics({ register: registry })
  const registers = [registry]
  const requests = new Counter({ name: 'compute_http_requests_total', help: 'Requests answered, by route and status', labelNames: ['method', 'route', 'status'], registers })
  const starts = new Counter({ name: 'compute_starts_total', help: 'Compute starts, accepted or refused, by the error code of a refusal', labelNames: ['outcome', 'code'], registers })
  const operator = new Histogram({ name: 'compute_operator_call_seconds', help: 'Operator calls by operation and outcome', labelNames: ['operation', 'outcome'], buckets: CALL_BUCKETS, registers })
  const store = new Histogram({ name: 'compute_nonce_store_call_seconds', help: 'Nonce store calls by operation and outcome', labelNames: ['operation', 'outcome'], buckets: CALL_BUCKETS, registers })
  const recoveries = new Histogram({ name: 'compute_signature_recovery_seconds', help: 'Signature recoveries (the CPU of signed requests) by backend and whether a signer came out', labelNames: ['backend', 'recovered'], buckets: RECOVERY_BUCKETS, registers })
  const jobs = new Counter({ name: 'compute_jobs_finished_total', help: 'Jobs of the bundled engine finished, by final status and stopreq', labelNames: ['status', 'stopreq'], registers })
  const durations = new Histogram({ name: 'compute_job_run_seconds', help: 'Time finished jobs held a slot', buckets: JOB_BUCKETS, registers })
  const waits = new Histogram({ name: 'compute_job_wait_seconds', help: 'Time jobs waited in the queue for a slot', buckets: JOB_BUCKETS, registers })
  const queued = new Gauge({ name: 'compute_jobs_queued', help: 'Jobs waiting for a slot', registers })
  const running = new Gauge({ name: 'compute_jobs_running', help: 'Jobs holding a slot', registers })
  // Queued jobs by id, with when they were queued: the oldest one's age is read at scrape time.
  const waiting = new Map<string, number>()
  // eslint-disable-next-line no-new
  new Gauge({
    name: 'compute_oldest_queued_job_age_seconds',
    help: 'How long the job longest in the queue has waited; 0 with none',
    registers,
    collect () {
      const oldest = Math.min(...waiting.values())
      this.set(waiting.size === 0 ? 0 : (Date.now() - oldest) / 1000)
    }
  })
  const subscriptions: Array<[string, (message: unknown) => void]> = [
    [CHANNELS.start, message => {
      const { outcome, code } = message as StartMessage
      starts.inc({ outcome, code: code ?? '' })
    }],
    [CHANNELS.operator, message => {
      const { operation, outcome, duration } = message as OperatorMessage
      operator.observe({ operation, outcome }, duration / 1000)
    }],
    [CHANNELS.nonceStore, message => {
      const { operation, outcome, duration } = message as NonceStoreMessage
      store.observe({ operation, outcome }, duration / 1000)
    }],
    [CHANNELS.signature, message => {
      const { backend, recovered, duration } = message as SignatureMessage
      recoveries.observe({ backend, recovered: String(recovered) }, duration / 1000)
    }],
    [CHANNELS.job, message => {
      const job = message as JobMessage
      queued.set(job.queued)
      running.set(job.running)
      if (job.state === 'queued') waiting.set(job.jobId, Date.now())
      else waiting.delete(job.jobId)
      if (job.state === 'running') waits.observe(job.waited! / 1000)
      if (job.state === 'finished') {
        jobs.inc({ status: job.status, stopreq: job.stopreq ?? 0 })
        durations.observe(job.duration! / 1000)
      }
    }]
  ]
  return { registry, subscriptions, countRequest: labels => { requests.inc(labels) } }
}

/** Settles with `call`, or rejects after `ms`. */
async function within<T> (ms: number, call: () => T | Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  try {
    return await Promise.race([
      Promise.resolve().then(call),
      new Promise<never>((_resolve, reject) => { timer = setTimeout(reject, ms, new Error(`no answer within ${ms} ms`)) })
    ])
  } finally {
    clearTimeout(timer)
  }
}

/** Registers /metrics, /health and the event loop guard. Call it before registering the plugin. */
export async function registerOperations (app: FastifyInstance, options: OperationsOptions): Promise<void> {
  const { registry, subscriptions, countRequest } = providerMetrics()
  for (const [name, listener] of subscriptions) subscribe(name, listener)
  app.addHook('onClose', async () => { for (const [name, listener] of subscriptions) unsubscribe(name, listener) })
  app.addHook('onResponse', async (request, reply) => {
    // The route's pattern, not the URL: a label per query string would grow without end.
    countRequest({ method: request.method, route: request.routeOptions.url ?? 'unknown', status: String(reply.statusCode) })
  })

  // No thresholds: it measures, /health decides.
  await app.register(underPressure)
  const maxEventLoopDelay = options.maxEventLoopDelay ?? 1000

  app.get('/metrics', { schema: { hide: true } }, async (_request, reply) => {
    return await reply.type(registry.contentType).send(await registry.metrics())
  })

  const timeout = options.healthTimeout ?? 2000
  const check = async (call: () => unknown): Promise<'ok' | 'failing'> => await within(timeout, call).then(() => 'ok' as const, () => 'failing' as const)
  app.get('/health', { schema: { summary: 'Whether the operator and the nonce store answer', tags: ['provider'] } }, async (_request, reply) => {
    const { nonceStore, operator } = options
    const [operatorState, storeState] = await Promise.all([
      check(async () => await operator.status({ owner: NOBODY }, { signal: AbortSignal.timeout(timeout), log: app.log })),
      nonceStore === undefined ? 'none' : check(async () => await nonceStore.get(NOBODY))
    ])
    const eventLoopDelay = Math.round(app.memoryUsage().eventLoopDelay)
    const eventLoop = eventLoopDelay > maxEventLoopDelay ? 'failing' : 'ok'
    const healthy = operatorState === 'ok' && storeState !== 'failing' && eventLoop === 'ok'
    return await reply.code(healthy ? 200 : 503).send({ status: healthy ? 'ok' : 'failing', operator: operatorState, nonceStore: storeState, eventLoop, eventLoopDelay })
  })
}
