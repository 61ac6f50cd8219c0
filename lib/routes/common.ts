import type { FastifyInstance, FastifyReply, FastifyRequest, preValidationHookHandler } from 'fastify'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import type { TObject } from '@sinclair/typebox'
import type { JobParams, ParamLimits } from '../../schemas/params.js'
import type { JobStatus } from '../../schemas/job.js'
import { readParams } from '../params.js'
import { invalidParams, schemaProblems, type FieldErrors } from '../validation.js'
import type { OperatorQuery } from '../operator/types.js'
import type { ResolvedOptions } from '../options.js'
import type { ComputeAction } from '../verifier/types.js'
import { InvalidSignatureError } from '../errors.js'
import { callOperator } from '../operator/call.js'

/** The plugin's instance as the route files see it: request types come from the schemas. */
export type TypedInstance = ReturnType<typeof typed>
export function typed (fastify: FastifyInstance) { return fastify.withTypeProvider<TypeBoxTypeProvider>() }

/** A preValidation hook that puts the route's parameters, wherever they came from, in `request.query`. */
export function paramsFrom (schema: TObject, limits: ParamLimits): preValidationHookHandler {
  const fields = Object.keys(schema.properties)
  const required = new Set(schema.required)
  return function readComputeParams (request, _reply, done) {
    try {
      request.query = readParams(request, fields, required, limits)
      done()
    } catch (err) {
      done(err as Error)
    }
  }
}

/** Throws the spec's 400 when schema validation (attached to the request) or `extra` found problems. */
export function assertValid (request: FastifyRequest, extra?: FieldErrors): void {
  // The common case, on every request: nothing to gather.
  if (request.validationError === undefined && extra === undefined) return
  const errors = schemaProblems(request.validationError?.validation ?? [])
  for (const [field, problems] of Object.entries(extra ?? {})) (errors[field] ??= []).push(...problems)
  if (Object.keys(errors).length > 0) throw invalidParams(errors)
}

/** Verifies the request's signature; throws 401 unless it checks out. */
export async function verified (options: ResolvedOptions, action: ComputeAction, request: FastifyRequest, params: JobParams): Promise<string> {
  const address = await options.verifier.verify({ action, params, request })
  if (address === undefined) throw new InvalidSignatureError()
  return address
}

/** The operator's selection of `owner`'s jobs for a status, stop or delete request. */
export function operatorQuery (params: JobParams, owner: string): OperatorQuery {
  return { owner, jobId: params.jobId, documentId: params.documentId }
}

/** Jobs that belong to `address`, whatever the operator sent (addresses compare ignoring case). */
function ownedBy (jobs: JobStatus[], address: string): JobStatus[] {
  const owner = address.toLowerCase()
  return jobs.filter(job => typeof job.owner === 'string' && job.owner.toLowerCase() === owner)
}

/**
 * The operator's status answer for `query`, kept to the jobs of `query.owner`: the one
 * place where ownership is enforced, since an operator may ignore the owner filter.
 */
export async function ownJobs (options: ResolvedOptions, request: FastifyRequest, reply: FastifyReply, query: OperatorQuery): Promise<JobStatus[]> {
  const { operator, operatorTimeout } = options
  return ownedBy(await callOperator(request, reply, operatorTimeout, ctx => operator.status(query, ctx)), query.owner)
}
