import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import type { JobParams } from '../../schemas/params.js'
import type { JobStatus } from '../../schemas/job.js'
import type { OperatorQuery } from '../operator/types.js'
import type { ResolvedOptions } from '../options.js'
import type { ComputeAction } from '../verifier/types.js'
import { InvalidSignatureError } from '../errors.js'
import { jobsOf, operatorAnswer } from './operator-call.js'
import { getAddress } from 'viem'
import { ADDRESS_PATTERN } from '../../schemas/params.js'

/** The plugin's instance as the route files see it: request types come from the schemas. */
export type TypedInstance = ReturnType<typeof typed>
export function typed (fastify: FastifyInstance) { return fastify.withTypeProvider<TypeBoxTypeProvider>() }

const ADDRESS = new RegExp(ADDRESS_PATTERN)

/**
 * The owner every operator is handed: an address in its EIP-55 checksum form, so that an
 * operator that compares owners exactly (the real operator-service does, in SQL) finds
 * a consumer's jobs whatever case it signs with. A verifier's other names pass as they are.
 */
export function canonical (address: string): string {
  let form = CANONICAL.get(address)
  if (form === undefined) {
    form = ADDRESS.test(address) ? getAddress(address) : address
    if (CANONICAL.size >= CANONICAL_LIMIT) CANONICAL.clear()
    CANONICAL.set(address, form)
  }
  return form
}

// getAddress hashes the address, a few µs a request; consumers come back, so the forms
// are kept, up to a bound that keeps a flood of fresh addresses from growing memory.
const CANONICAL = new Map<string, string>()
const CANONICAL_LIMIT = 10_000

/** Verifies the request's signature; throws 401 unless it checks out. Answers the canonical address. */
export async function verified (options: ResolvedOptions, action: ComputeAction, request: FastifyRequest, params: JobParams): Promise<string> {
  const address = await options.verifier.verify({ action, params, request })
  if (address === undefined) throw new InvalidSignatureError()
  return canonical(address)
}

/** The operator's selection of `owner`'s jobs for a status, stop or delete request. */
export function operatorQuery (params: JobParams, owner: string): OperatorQuery {
  return { owner, jobId: params.jobId, documentId: params.documentId }
}

// A job runs on `documentId` when it says so, as its documentId or one of its inputs.
function runsOn (job: JobStatus, documentId: string): boolean {
  return job.documentId === documentId || (job.inputDID?.includes(documentId) ?? false)
}

/**
 * Jobs that belong to `query.owner` (addresses compare ignoring case) and run on its
 * documentId, whatever the operator sent: an operator may ignore either filter (the
 * real operator-service has no documentId to filter on). Owners the operator wrote as
 * they were asked for are taken without lower-casing either side: no string is made
 * per job in the common case.
 */
function selected (jobs: JobStatus[], { owner, documentId }: OperatorQuery): JobStatus[] {
  let lower: string | undefined
  const mine: JobStatus[] = []
  for (const job of jobs) {
    const given = job.owner
    if (typeof given !== 'string') continue
    if (given !== owner && given.toLowerCase() !== (lower ??= owner.toLowerCase())) continue
    if (documentId !== undefined && documentId !== '' && !runsOn(job, documentId)) continue
    mine.push(job)
  }
  return mine
}

/**
 * The operator's status answer for `query`, kept to the jobs it selects: the one place
 * where ownership is enforced, since an operator may ignore the owner filter.
 */
export function ownJobs (options: ResolvedOptions, request: FastifyRequest, reply: FastifyReply, query: OperatorQuery): Promise<JobStatus[]> {
  const { operator, deadlines } = options
  return operatorAnswer(request, reply, deadlines, 'status', ctx => operator.status(query, ctx), answer => selected(jobsOf(answer), query))
}
