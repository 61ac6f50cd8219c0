import type { FastifyBaseLogger, FastifyReply, FastifyRequest } from 'fastify'
import type { JobStatus } from '../../schemas/job.js'
import {
  OperatorRejectedError, OperatorTimeoutError, OperatorUnavailableError
} from '../errors.js'
import { isClientStatus, statusOf } from '../http-status.js'
import type { OperatorContext } from './types.js'
import { normaliseJobs } from './normalise.js'

function isOurs (err: unknown): boolean {
  const code = (err as { code?: unknown }).code
  return typeof code === 'string' && code.startsWith('FST_COMPUTE_OPERATOR_')
}

/** Turns whatever an operator threw into an error the routes may show a client. */
function operatorFailure (err: unknown, request: FastifyRequest): Error {
  if (isOurs(err)) return err as Error
  const status = statusOf(err)
  if (isClientStatus(status)) {
    return Object.assign(new OperatorRejectedError(String((err as Error).message)), { statusCode: status })
  }
  // The cause may name internal hosts: log it, tell the client only that the operator failed.
  request.log.warn({ err }, 'compute operator failed')
  return new OperatorUnavailableError('The compute operator failed.')
}

// Defined on each context (own and enumerable, so that an operator that wraps another
// and spreads the context, `{ ...ctx, log }`, passes a working signal on), but one getter
// for all: a getter made per context, as in an object literal, left every context a
// dictionary-mode object and doubled the server's garbage collection (BENCHMARKS.md).
const SIGNAL: PropertyDescriptor = { enumerable: true, get (this: CallContext) { return this.makeSignal() } }

/**
 * The context of one operator call. Its AbortSignal is made when the operator first
 * reads it, and only then is the response watched for a client that leaves: an
 * AbortController costs about 2 µs in Node 20 (a tenth of an unsigned status request,
 * BENCHMARKS.md), and in-process operators never look at the signal. A client already
 * gone, or a timeout already passed, aborts the new signal at once. The state is in
 * private fields: a spread or a logged context shows `log` and `signal` only.
 */
class CallContext implements OperatorContext {
  declare readonly signal: AbortSignal
  readonly log: FastifyBaseLogger
  readonly #reply: FastifyReply
  #controller: AbortController | undefined
  #expired: Error | undefined
  #onClose: (() => void) | undefined
  #timer: NodeJS.Timeout | undefined

  constructor (reply: FastifyReply, log: FastifyBaseLogger) {
    this.log = log
    this.#reply = reply
    Object.defineProperty(this, 'signal', SIGNAL)
  }

  makeSignal (): AbortSignal {
    if (this.#controller === undefined) {
      const controller = this.#controller = new AbortController()
      const raw = this.#reply.raw
      if (this.#expired !== undefined) controller.abort(this.#expired)
      else if (raw.closed && !raw.writableFinished) controller.abort()
      else raw.once('close', this.#onClose = () => { if (!raw.writableFinished) controller.abort() })
    }
    return this.#controller.signal
  }

  /** Rejects with the plugin's timeout error after `timeout` ms, aborting the signal. */
  arm (timeout: number, reject: (err: Error) => void): void {
    this.#timer = setTimeout(expire, timeout, this, timeout, reject)
  }

  expire (err: Error): void {
    this.#expired = err
    this.#controller?.abort(err)
  }

  end (): void {
    clearTimeout(this.#timer)
    if (this.#onClose !== undefined) this.#reply.raw.off('close', this.#onClose)
  }
}

// Module-level, so that arming the timer makes no closure per call.
function expire (ctx: CallContext, timeout: number, reject: (err: Error) => void): void {
  const err = new OperatorTimeoutError(timeout)
  ctx.expire(err)
  reject(err)
}

/**
 * Runs one operator call for a request: aborted when the client goes away, and cut
 * off after `timeout` ms with a 503. Whatever it throws becomes an error for clients.
 */
export async function boundedCall<T> (
  request: FastifyRequest,
  reply: FastifyReply,
  timeout: number,
  run: (ctx: OperatorContext) => Promise<T>
): Promise<T> {
  const ctx = new CallContext(reply, request.log)
  try {
    return await new Promise<T>((resolve, reject) => {
      ctx.arm(timeout, reject)
      // Promise.resolve hands back a native promise as it is, and accepts a plain value.
      Promise.resolve(run(ctx)).then(resolve, reject)
    })
  } catch (err) {
    throw operatorFailure(err, request)
  } finally {
    ctx.end()
  }
}

/**
 * A bounded operator call whose answer must be a list of jobs (else 503), made fit to
 * serialize: whatever an operator answers, the route cannot fail on it.
 */
export async function callOperator (
  request: FastifyRequest,
  reply: FastifyReply,
  timeout: number,
  call: (ctx: OperatorContext) => Promise<unknown>
): Promise<JobStatus[]> {
  const jobs = normaliseJobs(await boundedCall(request, reply, timeout, call))
  if (jobs === undefined) {
    throw new OperatorUnavailableError('The compute operator answered something other than a list of jobs.')
  }
  return jobs
}
