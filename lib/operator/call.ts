import type { FastifyReply, FastifyRequest } from 'fastify'
import type { JobStatus } from '../../schemas/job.js'
import {
  OperatorRejectedError, OperatorTimeoutError, OperatorUnavailableError, isClientStatus, statusOf
} from '../errors.js'
import type { OperatorContext } from './types.js'

function isOurs (err: unknown): boolean {
  const code = (err as { code?: unknown }).code
  return typeof code === 'string' && code.startsWith('FST_COMPUTE_OPERATOR_')
}

// The fields the response schema requires; anything less is garbage we must not serialize.
function isJob (job: unknown): job is JobStatus {
  const j = job as Partial<JobStatus> | null
  return typeof j === 'object' && j !== null &&
    typeof j.jobId === 'string' && Number.isInteger(j.status) && typeof j.statusText === 'string'
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

/**
 * An operator context whose AbortSignal is made on first use: creating one costs
 * about 2 µs in Node 20 (a tenth of an unsigned status request) and weighs on the
 * garbage collector, and in-process operators never look at it. An abort before
 * that use is kept and applied to the new signal.
 */
function lazyContext (request: FastifyRequest): { ctx: OperatorContext, abort: (reason?: unknown) => void } {
  let controller: AbortController | undefined
  let early: { reason: unknown } | undefined
  return {
    ctx: {
      log: request.log,
      get signal () {
        if (controller === undefined) {
          controller = new AbortController()
          if (early !== undefined) controller.abort(early.reason)
        }
        return controller.signal
      }
    },
    abort (reason) {
      if (controller === undefined) early ??= { reason }
      else controller.abort(reason)
    }
  }
}

/**
 * Runs one operator call for a request: aborted when the client goes away, and cut
 * off after `timeout` ms with a 503. Whatever it throws becomes an error for clients.
 */
export async function boundedCall<T> (
  request: FastifyRequest,
  reply: FastifyReply,
  timeout: number,
  call: (ctx: OperatorContext) => Promise<T>
): Promise<T> {
  const { ctx, abort } = lazyContext(request)
  const onClose = () => { if (!reply.raw.writableFinished) abort() }
  reply.raw.once('close', onClose)
  let timer: NodeJS.Timeout | undefined
  const deadline = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => {
      const err = new OperatorTimeoutError(timeout)
      abort(err)
      reject(err)
    }, timeout)
  })
  try {
    return await Promise.race([call(ctx), deadline])
  } catch (err) {
    throw operatorFailure(err, request)
  } finally {
    clearTimeout(timer)
    reply.raw.off('close', onClose)
  }
}

/** A bounded operator call whose answer must be a list of jobs (else 503). */
export async function callOperator (
  request: FastifyRequest,
  reply: FastifyReply,
  timeout: number,
  call: (ctx: OperatorContext) => Promise<unknown>
): Promise<JobStatus[]> {
  const jobs = await boundedCall(request, reply, timeout, call)
  if (!Array.isArray(jobs) || !jobs.every(isJob)) {
    throw new OperatorUnavailableError('The compute operator answered something other than a list of jobs.')
  }
  return jobs
}
