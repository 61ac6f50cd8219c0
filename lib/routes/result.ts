import type { ResolvedOptions } from '../options.js'
import { operatorAnswer } from './operator-call.js'
import { ResultNotFoundError } from '../errors.js'
import { ownJobs, verified, type TypedInstance } from './common.js'
import { paramsRoute } from './params-route.js'

/**
 * GET computeResult: streams one result file of a job to the consumer who started
 * it, with its content type and length. 404 for anything not theirs, and when the
 * operator serves no results.
 */
// A download name without path or quotes: the header must not be broken out of.
const UNSAFE_NAME = /[^\w.-]/g

function noResult (index: number): Error {
  return new ResultNotFoundError(`The job has no result ${index} for this consumer.`)
}

export function resultRoute (fastify: TypedInstance, options: ResolvedOptions): void {
  const { operator, deadlines } = options
  // Known at registration: without it every request is a 404, before a signature (or a
  // nonce) is spent on it.
  const result = operator.result
  paramsRoute(fastify, {
    method: 'GET',
    url: '/computeResult',
    schema: options.schemas.result,
    spec: options,
    async handler (params, request, reply) {
      if (result === undefined) throw new ResultNotFoundError('This provider serves no results.')
      const address = await verified(options, 'result', request, params)
      // Ownership is checked here, not left to the operator, as for stop and delete.
      const job = (await ownJobs(options, request, reply, { owner: address, jobId: params.jobId }))
        .find(job => job.jobId === params.jobId)
      if (job === undefined) throw noResult(params.index)
      const file = await operatorAnswer(request, reply, deadlines, 'result', async ctx =>
        await result.call(operator, { owner: address, jobId: params.jobId, index: params.index }, ctx))
      if (file === undefined) throw noResult(params.index)
      const given = file.name ?? job.results?.[params.index]?.filename ?? `result-${params.index}`
      const name = given.slice(given.lastIndexOf('/') + 1).replace(UNSAFE_NAME, '_')
      if (file.size !== undefined) reply.header('content-length', file.size)
      return await reply
        .type(file.contentType)
        .header('content-disposition', `attachment; filename="${name}"`)
        .send(file.stream)
    }
  })
}
