import type { FastifyBaseLogger, FastifyReply, FastifyRequest } from 'fastify'
import type { JobStatus } from '../../schemas/job.js'
import {
  ConsumerLimitError, OperatorRejectedError, OperatorTimeoutError, OperatorUnavailableError,
  RuntimeNotAllowedError, UnknownAlgorithmError, UnknownDocumentError
} from '../errors.js'
import { httpStatusOf, isClientStatus } from '../http-status.js'
import type { OperatorContext } from '../operator/types.js'
import { normaliseJobs } from '../operator/normalise.js'
import type { Deadline, Deadlines, Expiring } from '../deadlines.js'
import { channels, clockFor, since, type OperatorMessage, type OperatorOperation } from '../channels.js'

// The plugin's own errors an operator may throw (its transports and engines do): their
// messages are written for clients, so they reach the client, and the log, as they are.
const FOR_CLIENTS = [
  OperatorRejectedError, OperatorTimeoutError, OperatorUnavailableError,
  UnknownDocumentError, UnknownAlgorithmError, RuntimeNotAllowedError, ConsumerLimitError
]

function isForClients (err: unknown): boolean {
  for (const type of FOR_CLIENTS) if (err instanceof type) return true
  return false
}

/** Turns whatever an operator threw into an error the routes may show a client. */
function operatorFailure (err: unknown, request: FastifyRequest): Error {
  if (isForClients(err)) return err as Error
  const status = httpStatusOf(err)
  if (isClientStatus(status)) {
    // Another 4xx (an operator of the host's, http-errors): its status and message are
    // passed on; the error itself stays the cause, for logs.
    const rejected = new OperatorRejectedError(String((err as Error).message), { cause: err })
    rejected.statusCode = status
    return rejected
  }
  // The cause may name internal hosts: log it, tell the client only that the operator failed.
  request.log.warn({ err }, 'compute operator failed')
  return new OperatorUnavailableError('The compute operator failed.', { cause: err })
}

// How a call ended, for the operator channel, from the error the route answers.
function outcomeOf (err: Error): OperatorMessage['outcome'] {
  if (err instanceof OperatorTimeoutError) return 'timeout'
  return isClientStatus(httpStatusOf(err)) ? 'rejected' : 'failed'
}

// Defined on each context (own and enumerable, so that an operator that wraps another
// and spreads the context, `{ ...ctx, log }`, passes a working signal on), but one getter
// for all: a getter made per context, as in an object literal, left every context a
// dictionary-mode object and doubled the server's garbage collection (BENCHMARKS.md).
const SIGNAL: PropertyDescriptor = { enumerable: true, get (this: CallContext) { return this.makeSignal() } }

/**
 * The context of one operator call. Its AbortSignal is made when the operator first
 * reads it, and only then is the response watched for a client that leaves: an
 * AbortController costs about 2 µs in Node 20 (a tenth of an unsigned status request;
 * defended by `npm run bench -- --scenario status-unsigned`, BENCHMARKS.md), and
 * in-process operators never look at the signal. A client already gone, or a timeout
 * already passed, aborts the new signal at once. The state is in private fields: a
 * spread or a logged context shows `log` and `signal` only.
 */
class CallContext implements OperatorContext, Expiring {
  declare readonly signal: AbortSignal
  readonly log: FastifyBaseLogger
  readonly #reply: FastifyReply
  #controller: AbortController | undefined
  #expired: Error | undefined
  #onClose: (() => void) | undefined
  #reject: ((err: Error) => void) | undefined
  readonly #deadlines: Deadlines
  #deadline: Deadline | undefined

  constructor (reply: FastifyReply, log: FastifyBaseLogger, deadlines: Deadlines) {
    this.log = log
    this.#reply = reply
    this.#deadlines = deadlines
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

  /** Settles `answer` as it settles, or with the plugin's timeout error when its deadline comes. */
  race<T> (answer: Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.#reject = reject
      this.#deadline = this.#deadlines.start(this)
      answer.then(resolve, reject)
    })
  }

  /** Rejects the call with the plugin's timeout error and aborts its signal. */
  expire (timeout: number): void {
    const err = this.#expired = new OperatorTimeoutError(timeout)
    this.#controller?.abort(err)
    this.#reject!(err)
  }

  end (): void {
    if (this.#deadline !== undefined) this.#deadlines.end(this.#deadline)
    if (this.#onClose !== undefined) this.#reply.raw.off('close', this.#onClose)
  }
}

/**
 * Runs one operator call (`operation`, as published on the operator channel) for a request
 * and answers what the operator answered, checked by `check` when given: aborted when the
 * client goes away, and cut off with a 503 when its deadline in `deadlines` comes. Whatever
 * it throws becomes an error for clients. For calls that answer jobs, see operatorJobs.
 */
export async function operatorAnswer<T, R = T> (
  request: FastifyRequest,
  reply: FastifyReply,
  deadlines: Deadlines,
  operation: OperatorOperation,
  run: (ctx: OperatorContext) => Promise<T> | T,
  check?: (answer: T) => R
): Promise<R> {
  const ctx = new CallContext(reply, request.log, deadlines)
  const began = clockFor(channels.operator)
  let outcome: OperatorMessage['outcome'] = 'ok'
  try {
    // Promise.resolve hands back a native promise as it is, and makes a plain value (or
    // another thenable) one, so that no answer escapes the timeout.
    const answer = await ctx.race(Promise.resolve(run(ctx)))
    return check === undefined ? answer as unknown as R : check(answer)
  } catch (err) {
    const failure = operatorFailure(err, request)
    outcome = outcomeOf(failure)
    throw failure
  } finally {
    ctx.end()
    if (began !== undefined) channels.operator.publish({ operation, outcome, duration: since(began) } satisfies OperatorMessage)
  }
}

/** An operator's answer as a list of jobs fit to serialize; a 503 when it is no list of jobs. */
export function jobsOf (answer: unknown): JobStatus[] {
  const jobs = normaliseJobs(answer)
  if (jobs === undefined) {
    throw new OperatorUnavailableError('The compute operator answered something other than a list of jobs.')
  }
  return jobs
}

/**
 * An operatorAnswer that checks the answer: it must be a list of jobs (else 503), which
 * is made fit to serialize, so that whatever an operator answers, the route cannot fail on it.
 */
export function operatorJobs (
  request: FastifyRequest,
  reply: FastifyReply,
  deadlines: Deadlines,
  operation: OperatorOperation,
  call: (ctx: OperatorContext) => Promise<unknown>
): Promise<JobStatus[]> {
  return operatorAnswer(request, reply, deadlines, operation, call, jobsOf)
}
