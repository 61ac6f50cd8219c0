import type { FastifyReply, FastifyRequest } from 'fastify'
import type { ComputeOperator, ResultFile, ResultQuery } from '../operator/types.js'
import type { ResolvedOptions } from '../options.js'
import { ResultNotFoundError } from '../errors.js'
import { ownJobs } from './common.js'
import { operatorAnswer } from './operator-call.js'

// A download name without path or quotes: the header must not be broken out of.
const UNSAFE_NAME = /[^\w.-]/g

export function noResult (index: number): Error {
  return new ResultNotFoundError(`The job has no result ${index} for this consumer.`)
}

/**
 * Result `query.index` of `query.owner`'s job `query.jobId` from `result` (the operator's
 * method), with a download name safe for a header: ownership is checked here, not left
 * to the operator, as for stop and delete. A 404 for anything that is not theirs or not there.
 */
export async function ownResultFile (
  options: ResolvedOptions,
  request: FastifyRequest,
  reply: FastifyReply,
  result: NonNullable<ComputeOperator['result']>,
  query: ResultQuery
): Promise<{ file: ResultFile, name: string }> {
  const { operator, deadlines } = options
  const job = (await ownJobs(options, request, reply, { owner: query.owner, jobId: query.jobId })).find(job => job.jobId === query.jobId)
  if (job === undefined) throw noResult(query.index)
  const file = await operatorAnswer(request, reply, deadlines, 'result', async ctx => await result.call(operator, query, ctx))
  if (file === undefined) throw noResult(query.index)
  const given = file.name ?? job.results?.[query.index]?.filename ?? `result-${query.index}`
  return { file, name: given.slice(given.lastIndexOf('/') + 1).replace(UNSAFE_NAME, '_') }
}
