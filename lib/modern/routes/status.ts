import type { TypedInstance } from '../../routes/common.js'
import { canonical, ownJobs } from '../../routes/common.js'
import { paramsRoute } from '../../routes/params-route.js'
import { tokenHolder, tokenOf } from '../auth.js'
import { toNodeJob } from '../jobs.js'
import type { ResolvedNodeOptions } from '../options.js'

/**
 * GET compute (computeStatus): the consumer's jobs, as ocean-node answers them unsigned
 * (clients do not sign it). A token, when sent, must be the consumer's.
 */
export function statusRoute (fastify: TypedInstance, options: ResolvedNodeOptions): void {
  paramsRoute(fastify, {
    method: 'GET',
    url: '/compute',
    schema: options.routes.status,
    async handler (params, request, reply) {
      const token = tokenOf(request)
      const owner = token === undefined ? canonical(params.consumerAddress) : tokenHolder(options, token, params.consumerAddress)
      const jobs = await ownJobs(options, request, reply, { owner, jobId: params.jobId, agreementId: params.agreementId })
      return jobs.map(job => toNodeJob(job, options.jobs.get(job.jobId)))
    }
  })
}
