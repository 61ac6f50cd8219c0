import { pipeline } from 'node:stream/promises'
import { JobNotFoundError } from '../../errors.js'
import type { TypedInstance } from '../../routes/common.js'
import { operatorAnswer } from '../../routes/operator-call.js'
import { paramsRoute } from '../../routes/params-route.js'
import { authenticate } from '../auth.js'
import type { ResolvedNodeOptions } from '../options.js'

/**
 * GET computeStreamableLogs: a running job's log as it is written, for its owner only
 * (ocean-node checks no owner here), registered when the operator can follow logs.
 */
export function logsRoute (fastify: TypedInstance, options: ResolvedNodeOptions): void {
  const { operator, deadlines } = options
  const logs = operator.logs!
  paramsRoute(fastify, {
    method: 'GET',
    url: '/computeStreamableLogs',
    schema: options.routes.logs,
    async handler (params, request, reply) {
      const owner = await authenticate(options, request, params, 'getComputeStreamableLogs', 'result')
      const stream = await operatorAnswer(request, reply, deadlines, 'logs', async ctx => await logs.call(operator, { owner, jobId: params.jobId }, ctx))
      if (stream === undefined) throw new JobNotFoundError('Job not found or not running')
      // The headers go out now: a log may stay empty for a while (a container's is written
      // when it ends), and a client waits for them before it reads anything.
      reply.hijack()
      reply.raw.writeHead(200, { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store' })
      reply.raw.flushHeaders()
      // A client that leaves ends the reading; there is no one left to tell of an error.
      await pipeline(stream, reply.raw).catch(() => {})
    }
  })
}
