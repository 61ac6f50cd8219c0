import type { ResolvedOptions } from '../options.js'
import { ResultNotFoundError } from '../errors.js'
import { verified, type TypedInstance } from './common.js'
import { paramsRoute } from './params-route.js'
import { ownResultFile } from './result-file.js'

/**
 * GET computeResult: streams one result file of a job to the consumer who started
 * it, with its content type and length. 404 for anything not theirs, and when the
 * operator serves no results.
 */
export function resultRoute (fastify: TypedInstance, options: ResolvedOptions): void {
  // Known at registration: without it every request is a 404, before a signature (or a
  // nonce) is spent on it.
  const result = options.operator.result
  paramsRoute(fastify, {
    method: 'GET',
    url: '/computeResult',
    schema: options.schemas.result,
    spec: options,
    async handler (params, request, reply) {
      if (result === undefined) throw new ResultNotFoundError('This provider serves no results.')
      const address = await verified(options, 'result', request, params)
      const { file, name } = await ownResultFile(options, request, reply, result, { owner: address, jobId: params.jobId, index: params.index })
      if (file.size !== undefined) reply.header('content-length', file.size)
      return await reply
        .type(file.contentType)
        .header('content-disposition', `attachment; filename="${name}"`)
        .send(file.stream)
    }
  })
}
