import { ResultNotFoundError } from '../../errors.js'
import type { TypedInstance } from '../../routes/common.js'
import { ownJobs } from '../../routes/common.js'
import { operatorAnswer } from '../../routes/operator-call.js'
import { paramsRoute } from '../../routes/params-route.js'
import { authenticate } from '../auth.js'
import { rangeOf, sliced } from '../range.js'
import type { ResolvedNodeOptions } from '../options.js'

// A download name without path or quotes: the header must not be broken out of.
const UNSAFE_NAME = /[^\w.-]/g

/**
 * GET computeResult: result `index` of a job, for its owner and the additional viewers it
 * was started with; 404 for any other job, index or caller (ocean-node answers an unknown
 * index with an empty 200). `Range: bytes=N-` resumes a download (206).
 */
export function resultRoute (fastify: TypedInstance, options: ResolvedNodeOptions): void {
  const { operator, deadlines } = options
  const result = operator.result
  paramsRoute(fastify, {
    method: 'GET',
    url: '/computeResult',
    schema: options.routes.result,
    async handler (params, request, reply) {
      const caller = await authenticate(options, request, params, 'getComputeResult', 'result')
      const noResult = new ResultNotFoundError(`The job has no result ${params.index} for this consumer.`)
      if (result === undefined) throw noResult
      const terms = options.jobs.get(params.jobId)
      const viewer = terms?.additionalViewers.some(address => address.toLowerCase() === caller.toLowerCase()) === true
      const owner = viewer ? terms!.owner : caller
      const job = (await ownJobs(options, request, reply, { owner, jobId: params.jobId })).find(job => job.jobId === params.jobId)
      if (job === undefined) throw noResult
      const file = await operatorAnswer(request, reply, deadlines, async ctx => await result.call(operator, { owner, jobId: job.jobId, index: params.index }, ctx))
      if (file === undefined) throw noResult
      const range = rangeOf(request.headers.range, file.size)
      const name = (file.name ?? `result-${params.index}`).split('/').pop()!.replace(UNSAFE_NAME, '_')
      reply.type(file.contentType).header('content-disposition', `attachment; filename="${name}"`).header('accept-ranges', 'bytes')
      if (range === undefined) {
        if (file.size !== undefined) reply.header('content-length', file.size)
        return await reply.send(file.stream)
      }
      if (file.size !== undefined) {
        reply.header('content-range', `bytes ${range.start}-${range.end!}/${file.size}`).header('content-length', range.end! + 1 - range.start)
      }
      return await reply.code(206).send(sliced(file.stream, range.start, range.end))
    }
  })
}
