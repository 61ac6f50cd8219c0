import type { TypedInstance } from '../../routes/common.js'
import { paramsRoute } from '../../routes/params-route.js'
import { noResult, ownResultFile } from '../../routes/result-file.js'
import { authenticate } from '../auth.js'
import { rangeOf, sliced } from '../range.js'
import type { ResolvedNodeOptions } from '../options.js'

/**
 * GET computeResult: result `index` of a job, for its owner and the additional viewers it
 * was started with; 404 for any other job, index or caller (ocean-node answers an unknown
 * index with an empty 200). `Range: bytes=N-` resumes a download (206).
 */
export function resultRoute (fastify: TypedInstance, options: ResolvedNodeOptions): void {
  const result = options.operator.result
  paramsRoute(fastify, {
    method: 'GET',
    url: '/computeResult',
    schema: options.routes.result,
    async handler (params, request, reply) {
      const caller = await authenticate(options, request, params, 'getComputeResult', 'result')
      if (result === undefined) throw noResult(params.index)
      const terms = options.jobs.get(params.jobId)
      const viewer = terms?.additionalViewers.some(address => address.toLowerCase() === caller.toLowerCase()) === true
      const owner = viewer ? terms!.owner : caller
      const { file, name } = await ownResultFile(options, request, reply, result, { owner, jobId: params.jobId, index: params.index })
      let range
      try {
        range = rangeOf(request.headers.range, file.size)
      } catch (err) {
        // Nothing will read it: an open file, or a connection to the operator, is let go now.
        file.stream.destroy()
        throw err
      }
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
