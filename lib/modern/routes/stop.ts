import { JobNotFoundError } from '../../errors.js'
import type { TypedInstance } from '../../routes/common.js'
import { ownJobs } from '../../routes/common.js'
import { operatorJobs } from '../../routes/operator-call.js'
import { paramsRoute } from '../../routes/params-route.js'
import { authenticate } from '../auth.js'
import { toNodeJob } from '../jobs.js'
import type { ResolvedNodeOptions } from '../options.js'

/** PUT compute (computeStop): stops a job of the consumer; 404 for a job that is not theirs. */
export function stopRoute (fastify: TypedInstance, options: ResolvedNodeOptions): void {
  const { operator, deadlines } = options
  paramsRoute(fastify, {
    method: 'PUT',
    url: '/compute',
    schema: options.routes.stop,
    async handler (params, request, reply) {
      const owner = await authenticate(options, request, params, 'stopCompute', 'stop')
      const query = { owner, jobId: params.jobId, agreementId: params.agreementId }
      // Ownership is checked here, not left to the operator, as on the first profile.
      const [mine] = await ownJobs(options, request, reply, query)
      if (mine === undefined) throw new JobNotFoundError(`No job ${params.jobId} of this consumer.`)
      const stopped = await operatorJobs(request, reply, deadlines, 'stop', ctx => operator.stop({ owner, jobId: mine.jobId }, ctx))
      const job = stopped.find(job => job.jobId === mine.jobId) ?? mine
      return [toNodeJob({ ...job, stopreq: Math.max(job.stopreq ?? 0, 1) }, options.jobs.get(mine.jobId))]
    }
  })
}
