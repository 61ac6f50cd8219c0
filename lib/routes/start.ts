import type { ResolvedOptions } from '../options.js'
import { operatorJobs } from './operator-call.js'
import { verified, type TypedInstance } from './common.js'
import { paramsRoute } from './params-route.js'
import { resultLinker } from './result-links.js'

const ALGORITHM_REQUIRED = { algorithmMeta: ['The algorithmMeta field is required when algorithmDid is not present.'] }

/** POST compute (computeStart): validate, verify, build the workflow, start the job. */
export function startRoute (fastify: TypedInstance, options: ResolvedOptions): void {
  const { operator, buildWorkflow, deadlines, schemas } = options
  const linkResults = resultLinker(fastify)
  paramsRoute(fastify, {
    method: 'POST',
    url: '/compute',
    schema: schemas.start,
    spec: options,
    check: params => params.algorithmDid === undefined && params.algorithmMeta === undefined ? ALGORITHM_REQUIRED : undefined,
    async handler (params, request, reply) {
      const address = await verified(options, 'start', request, params)
      const workflow = await buildWorkflow({ params, address, request })
      const jobs = await operatorJobs(request, reply, deadlines, ctx => operator.start({
        workflow,
        owner: address,
        documentId: params.documentId,
        agreementId: params.transferTxId
      }, ctx))
      return linkResults(jobs, params.consumerAddress)
    }
  })
}
