import { redactedFields, type JobStatus } from '../../schemas/job.js'
import type { ResolvedOptions } from '../options.js'
import { InvalidSignatureError } from '../errors.js'
import { canonical, operatorQuery, ownJobs, type TypedInstance } from './common.js'
import { paramsRoute } from './params-route.js'
import { resultLinker } from './result-links.js'

const REDACTED: ReadonlySet<string> = new Set(redactedFields)

/** A job without the fields that only its verified owner may see. */
export function redact (job: JobStatus): JobStatus {
  const copy: Record<string, unknown> = {}
  for (const key in job) if (!REDACTED.has(key)) copy[key] = (job as Record<string, unknown>)[key]
  return copy as JobStatus
}

/** GET compute (computeStatus): full jobs with a valid signature, redacted jobs without. */
export function statusRoute (fastify: TypedInstance, options: ResolvedOptions): void {
  const { verifier, requireSignedStatus, schemas } = options
  const linkResults = resultLinker(fastify)
  paramsRoute(fastify, {
    method: 'GET',
    url: '/compute',
    schema: schemas.status,
    spec: options,
    async handler (params, request, reply) {
      const verified = params.signature === undefined
        ? undefined
        : await verifier.verify({ action: 'status', params, request })
      if (verified === undefined && requireSignedStatus) throw new InvalidSignatureError()
      // Signed: the jobs of whom the verifier vouched for; unsigned: the claimed address's, redacted.
      const owner = canonical(verified ?? params.consumerAddress)
      const jobs = await ownJobs(options, request, reply, operatorQuery(params, owner))
      return verified === undefined ? jobs.map(redact) : linkResults(jobs, params.consumerAddress)
    }
  })
}
