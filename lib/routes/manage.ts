import type { JobStatus } from '../../schemas/job.js'
import type { ResolvedOptions } from '../options.js'
import { operatorJobs } from './operator-call.js'
import { operatorQuery, ownJobs, verified, type TypedInstance } from './common.js'
import { paramsRoute } from './params-route.js'
import { resultLinker } from './result-links.js'

// What the route answers for the jobs it acted on, given what the operator reported.
type Answer = (mine: JobStatus[], reported: JobStatus[]) => JobStatus[]

// Stop answers the jobs as the operator reports them stopped.
const asReported: Answer = (mine, reported) => {
  const ids = new Set(mine.map(job => job.jobId))
  return reported.filter(job => ids.has(job.jobId))
}

// Delete answers every job it asked to delete: as the operator reported it, or, when the
// operator only accepted (the real operator-service answers `""` and leaves the removal
// to its engine), as last listed, without claiming a removal nobody reported.
const asAsked: Answer = (mine, reported) => {
  const byId = new Map(reported.map(job => [job.jobId, job]))
  return mine.map(job => byId.get(job.jobId) ?? job)
}

// PUT (stop) and DELETE (delete) differ in the operator method they call and what they answer.
function manageRoute (method: 'PUT' | 'DELETE', action: 'stop' | 'delete', answer: Answer) {
  return function register (fastify: TypedInstance, options: ResolvedOptions): void {
    const { operator, deadlines } = options
    const linkResults = resultLinker(fastify)
    paramsRoute(fastify, {
      method,
      url: '/compute',
      schema: options.schemas[action],
      spec: options,
      async handler (params, request, reply) {
        const address = await verified(options, action, request, params)
        const query = operatorQuery(params, address)
        // Ownership is enforced here, not left to the operator (the real operator-service
        // ignores some filters): find the consumer's own jobs first, then act on each by
        // its id, so a careless operator can never stop or delete someone else's job.
        const mine = [...new Map((await ownJobs(options, request, reply, query)).map(job => [job.jobId, job])).values()]
        const done = await Promise.all(mine.map(async ({ jobId }) =>
          await operatorJobs(request, reply, deadlines, action, ctx => operator[action]({ ...query, jobId }, ctx))))
        return linkResults(answer(mine, done.flat()), params.consumerAddress)
      }
    })
  }
}

/** PUT compute (computeStop): stops the consumer's matching jobs and answers them with `stopreq` 1. */
export const stopRoute = manageRoute('PUT', 'stop', asReported)

/**
 * DELETE compute (computeDelete): deletes the consumer's matching jobs and answers them,
 * with `removed` 1 where the operator reported it.
 */
export const deleteRoute = manageRoute('DELETE', 'delete', asAsked)
