import type { FreeComputeBody } from '../../../schemas/modern/params.js'
import type { StartParams } from '../../../schemas/params.js'
import { InvalidParamsError } from '../../errors.js'
import type { FieldErrors } from '../../validation.js'
import { operatorJobs } from '../../routes/operator-call.js'
import { WorkflowBuild } from '../../routes/workflow-build.js'
import type { TypedInstance } from '../../routes/common.js'
import { authenticate } from '../auth.js'
import { bodyRoute } from '../body-route.js'
import { environmentsFor } from '../environments.js'
import { freeGrant } from '../free-tier.js'
import { toNodeJob } from '../jobs.js'
import type { ResolvedNodeOptions } from '../options.js'

// ocean-node's bound on a job's metadata.
const METADATA_BYTES = 1024

// What this provider does not do, said rather than dropped: results stay with it, images come from its allow-list.
const UNSUPPORTED: ReadonlyArray<[keyof FreeComputeBody, string]> = [
  ['output', 'The output field is not supported: results stay with this provider (GET computeResult).'],
  ['outputBucketId', 'The outputBucketId field is not supported: results stay with this provider (GET computeResult).'],
  ['encryptedDockerRegistryAuth', 'The encryptedDockerRegistryAuth field is not supported: this provider runs the images it allows.']
]

function problems (body: FreeComputeBody): FieldErrors | undefined {
  const errors: FieldErrors = {}
  for (const [field, sentence] of UNSUPPORTED) if (body[field] !== undefined && body[field] !== null) errors[field] = [sentence]
  if (body.metadata !== undefined && Buffer.byteLength(JSON.stringify(body.metadata)) > METADATA_BYTES) {
    errors.metadata = [`The metadata field may not be longer than ${METADATA_BYTES} bytes of JSON.`]
  }
  for (const [index, dataset] of (body.datasets ?? []).entries()) {
    if (typeof dataset.documentId !== 'string' || dataset.documentId === '') {
      errors[`datasets.${index}.documentId`] = ['Each dataset needs a documentId: this provider runs only its own datasets.']
    }
  }
  if (body.algorithm.documentId === undefined && body.algorithm.meta === undefined) {
    errors['algorithm.meta'] = ['The algorithm needs meta (rawcode and container) or a documentId.']
  }
  return Object.keys(errors).length === 0 ? undefined : errors
}

/** The first profile's start parameters for a free job: the same buildWorkflow resolves its datasets. */
function startParams (body: FreeComputeBody, address: string): StartParams {
  const [first, ...more] = body.datasets ?? []
  return {
    consumerAddress: address,
    output: {},
    documentId: first?.documentId,
    additionalInputs: more.map(dataset => ({ documentId: dataset.documentId })),
    algorithmMeta: body.algorithm.meta,
    algorithmDid: body.algorithm.documentId
  }
}

/** POST freeCompute: a free job within an environment's free tier. */
export function freeComputeRoute (fastify: TypedInstance, options: ResolvedNodeOptions): void {
  const { operator, deadlines, buildWorkflow } = options
  bodyRoute(fastify, {
    url: '/freeCompute',
    schema: options.routes.freeCompute,
    bodyLimit: options.bodyLimit,
    check: problems,
    async handler (body, request, reply) {
      const address = await authenticate(options, request, body, 'freeStartCompute', 'start')
      const environments = await environmentsFor(options, request, reply)
      const environment = environments.find(env => env.id === body.environment)
      if (environment === undefined) throw new InvalidParamsError(`There is no compute environment ${body.environment}.`)
      const grant = freeGrant(environment, address, body)
      const params = startParams(body, address)
      // The same builder as the first wire's start, within the same deadline.
      const build = new WorkflowBuild(params, address, request, deadlines.timeout)
      const workflow = await Promise.resolve(buildWorkflow(build)).finally(() => { build.end() })
      for (const stage of workflow.stages) stage.compute.maxtime = Math.ceil(grant.maxJobDuration)
      const jobs = await operatorJobs(request, reply, deadlines, 'start', ctx => operator.start({ workflow, owner: address, documentId: params.documentId }, ctx))
      const terms = {
        owner: address,
        environment: environment.id,
        ...grant,
        metadata: body.metadata ?? null,
        additionalViewers: body.additionalViewers ?? [],
        queueMaxWaitTime: body.queueMaxWaitTime ?? 0
      }
      for (const job of jobs) options.jobs.add(job.jobId, terms)
      return jobs.map(job => toNodeJob(job, terms))
    }
  })
}
