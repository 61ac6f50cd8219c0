import type { onErrorHookHandler } from 'fastify'
import type { ResolvedOptions } from '../options.js'
import { channels, type StartMessage } from '../channels.js'
import { answeredStatus } from '../error-handler.js'
import { jobNeverCreated } from '../operator/not-created.js'
import { operatorJobs } from './operator-call.js'
import { verified, type TypedInstance } from './common.js'
import { paramsRoute } from './params-route.js'
import { resultLinker } from './result-links.js'
import { WorkflowBuild } from './workflow-build.js'

// Every start answered with an error, whatever refused it: its parameters, its signature,
// the terms, the operator (a 503). The hook runs before the error handler sets the status.
const refused: onErrorHookHandler = (_request, _reply, err, done) => {
  if (channels.start.hasSubscribers) channels.start.publish({ outcome: 'refused', statusCode: answeredStatus(err), code: err.code } satisfies StartMessage)
  done()
}

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
    onError: refused,
    check: params => params.algorithmDid === undefined && params.algorithmMeta === undefined ? ALGORITHM_REQUIRED : undefined,
    async handler (params, request, reply) {
      const address = await verified(options, 'start', request, params)
      const build = new WorkflowBuild(params, address, request, deadlines.timeout)
      let workflow
      try {
        workflow = await buildWorkflow(build)
      } catch (err) {
        // Refused after an order's use was taken (a later input, the algorithm): it is given back.
        await build.giveBack()
        throw err
      } finally {
        build.end()
      }
      let jobs
      try {
        jobs = await operatorJobs(request, reply, deadlines, 'start', ctx => operator.start({
          workflow,
          owner: address,
          documentId: params.documentId,
          agreementId: params.transferTxId
        }, ctx))
      } catch (err) {
        // Refused (a 4xx), or failed before any job could exist (not connected, engine
        // closed or full): a use of an order taken for this job is given back. Timed out,
        // failed later or aborted by a client that left: the job may run on the operator's
        // side, so the use is kept, or leaving mid-start would buy jobs for nothing.
        if (jobNeverCreated(err)) await build.giveBack()
        throw err
      }
      if (channels.start.hasSubscribers) channels.start.publish({ outcome: 'accepted', statusCode: 200, jobId: jobs[0]?.jobId } satisfies StartMessage)
      return linkResults(jobs, params.consumerAddress)
    }
  })
}
