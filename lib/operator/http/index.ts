import { Pool } from 'undici'
import type { JobStatus } from '../../../schemas/job.js'
import type { ComputeOperator, OperatorContext } from '../types.js'
import { httpStatusOf } from '../../http-status.js'
import { resolveHttpOptions, type HttpOperatorOptions } from './options.js'
import { queryCall, resultCall, startCall, type OperatorCall } from './wire.js'
import { exchanger } from './exchange.js'
import { downloader } from './download.js'
import { isReset } from './faults.js'

export type { HttpOperatorOptions, ProviderAccount } from './options.js'

/**
 * A compute operator that forwards every call to an Ocean operator-service over
 * HTTP (spec section 2), signing each one as the provider. Faults become 503s
 * that name what failed; a 4xx from the operator-service is passed on.
 */
export function httpOperator (options: HttpOperatorOptions): ComputeOperator {
  const config = resolveHttpOptions(options)
  const { account, path, resultPath } = config
  // One pool of keep-alive connections shared by every request; a host's dispatcher stays the host's.
  const ownsDispatcher = config.dispatcher === undefined
  const dispatcher = config.dispatcher ??
    new Pool(config.origin, { connections: config.connections, connect: { timeout: config.connectTimeout } })
  const exchange = exchanger({ ...config, dispatcher })
  const download = downloader({ ...config, dispatcher })
  let closing: Promise<void> | undefined

  // Only a GET may be retried, and once: a retried POST can start a job twice. A reset
  // is what a keep-alive connection that the operator-service just closed looks like.
  async function send (call: OperatorCall, ctx: OperatorContext, retries = 0): Promise<JobStatus[]> {
    try {
      return await exchange(call, ctx.signal)
    } catch (err) {
      if (retries > 0 && isReset(err) && !ctx.signal.aborted) {
        ctx.log.info({ method: call.method }, 'compute operator dropped the connection, retrying once')
        return await send(call, ctx, retries - 1)
      }
      // undici's errors may name the host but never the path, so the signed query stays out of the log.
      if (httpStatusOf(err) === 503 && !ctx.signal.aborted) {
        ctx.log.warn({ err: (err as Error).cause, method: call.method }, (err as Error).message)
      }
      throw err
    }
  }

  return {
    async start (request, ctx) {
      return await send(await startCall(path, account, request), ctx)
    },
    async status (query, ctx) {
      return await send(await queryCall('GET', path, account, query), ctx, 1)
    },
    async stop (query, ctx) {
      return await send(await queryCall('PUT', path, account, query), ctx)
    },
    async delete (query, ctx) {
      return await send(await queryCall('DELETE', path, account, query), ctx)
    },
    // getResult checks no owner and no signature: the computeResult route checked ownership first.
    async result ({ jobId, index }, ctx) {
      return await download(resultCall(resultPath, jobId, index), ctx.signal)
    },
    async close () {
      // Waits for calls in flight; the timeouts bound how long. undici refuses a second close.
      if (ownsDispatcher) await (closing ??= dispatcher.close())
    }
  }
}
