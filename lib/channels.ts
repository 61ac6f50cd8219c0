import { channel } from 'node:diagnostics_channel'

// What the plugin and its engines do, published on Node's diagnostics_channel (as undici
// and Fastify publish theirs), for metrics, tracing or audit logs without a dependency.
// Every publisher checks `hasSubscribers` first: with nobody listening no message is made
// and no clock is read (`npm run bench -- --scenario status-channels` compares the two).

/** The channel names: `diagnostics_channel.subscribe(CHANNELS.job, message => ...)`. */
export const CHANNELS = {
  start: 'fastify-ocean-compute:start',
  operator: 'fastify-ocean-compute:operator',
  nonceStore: 'fastify-ocean-compute:nonce-store',
  signature: 'fastify-ocean-compute:signature',
  job: 'fastify-ocean-compute:job'
} as const

/** A start request answered: accepted (the job the operator answered), or refused and why. */
export interface StartMessage {
  outcome: 'accepted' | 'refused'
  /** The HTTP status of the answer: 200, a 4xx, or 503 when a collaborator failed. */
  statusCode: number
  /** The error's code when refused (`FST_COMPUTE_INVALID_SIGNATURE`, `FST_COMPUTE_CONSUMER_LIMIT`, ...). */
  code?: string
  /** The new job's id when accepted. */
  jobId?: string
}

/** The operator methods the routes call (`environments` and `logs` on the current wire only). */
export type OperatorOperation = 'start' | 'status' | 'stop' | 'delete' | 'result' | 'environments' | 'logs'

/**
 * One operator call, as the route saw it end: `ok`, `rejected` (the operator refused it
 * with a 4xx), `timeout` (past `operatorTimeout`) or `failed` (any other 503).
 */
export interface OperatorMessage {
  operation: OperatorOperation
  outcome: 'ok' | 'rejected' | 'timeout' | 'failed'
  /** Milliseconds from the call to its answer (or to the timeout). */
  duration: number
}

/** One nonce store call: `ok`, `timeout` (past `operatorTimeout`) or `failed` (it threw). */
export interface NonceStoreMessage {
  operation: 'get' | 'advance'
  outcome: 'ok' | 'timeout' | 'failed'
  duration: number
}

/**
 * One signature recovery (the CPU a signed request costs): the backend, whether a signer
 * came out, and how long it took. A recovery the cache answers, or a signature malformed
 * on its face, costs none and is not published.
 */
export interface SignatureMessage {
  backend: 'native' | 'viem'
  recovered: boolean
  duration: number
}

/** A job of a bundled engine changing state. */
export interface JobMessage {
  /** The engine's name: `local compute engine`, `container compute engine`. */
  engine: string
  jobId: string
  owner: string
  /** `queued` when started, `running` when it leaves the queue for a slot, `finished` at its final status. */
  state: 'queued' | 'running' | 'finished'
  /** Its status code (spec section 3) after the change. */
  status: number
  /** The engine's jobs waiting for a slot, and holding one, after the change. */
  queued: number
  running: number
  /** Milliseconds it waited in the queue: on `running`, and on `finished` (the whole wait if it never ran). */
  waited?: number
  /** On `finished`: milliseconds from leaving the queue to the end (0 if it never left it), `stopreq`, and the bytes of the outputs kept. */
  duration?: number
  stopreq?: number
  outputBytes?: number
}

/** The channels themselves, for `channels.job.subscribe(...)`. */
export const channels = {
  start: channel(CHANNELS.start),
  operator: channel(CHANNELS.operator),
  nonceStore: channel(CHANNELS.nonceStore),
  signature: channel(CHANNELS.signature),
  job: channel(CHANNELS.job)
} as const

/** Now, in ms, when `ch` has subscribers; undefined (and no clock read) otherwise. */
export function clockFor (ch: { hasSubscribers: boolean }): number | undefined {
  return ch.hasSubscribers ? performance.now() : undefined
}

/** Milliseconds since `began`, rounded to µs. */
export function since (began: number): number {
  return Math.round((performance.now() - began) * 1000) / 1000
}
