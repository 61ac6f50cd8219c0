import { randomBytes } from 'node:crypto'
import type { Workflow } from '../../../schemas/workflow.js'
import type { OperatorQuery, OperatorStartRequest } from '../types.js'
import type { ProviderAccount } from './options.js'

/** One request to the operator-service, ready to send. */
export interface OperatorCall {
  method: 'POST' | 'GET' | 'PUT' | 'DELETE'
  /** Path and query string. It carries the provider's signature: never log it. */
  path: string
  body?: string
}

// '' means "not given" (spec section 1): sending `jobId=` could read as "the job with no id".
function given (value: string | undefined): value is string {
  return value !== undefined && value !== ''
}

// Spec section 2: EIP-191 personal_sign of providerAddress and the parts, missing ones as ''.
async function sign (account: ProviderAccount, first = '', second = ''): Promise<string> {
  return await account.signMessage({ message: account.address + first + second })
}

/**
 * The agreementId of a start without a transferTxId: the operator-service requires one
 * (and signs nothing else), so one is made up, 32 random bytes as 0x-prefixed hex, the
 * shape of a transaction hash. It keys nothing there: each start gets its own jobId.
 */
function madeUpAgreementId (): string {
  return `0x${randomBytes(32).toString('hex')}`
}

// The operator-service reports `algoDID: "raw"` only when the algorithm has no `id` key at
// all; an empty id (raw code, spec section 4) is left out for it.
function withoutEmptyAlgorithmIds (workflow: Workflow): Workflow {
  if (workflow.stages.every(stage => stage.algorithm.id !== '')) return workflow
  return {
    ...workflow,
    stages: workflow.stages.map(stage => {
      if (stage.algorithm.id !== '') return stage
      const { id: _id, ...algorithm } = stage.algorithm
      return { ...stage, algorithm: algorithm as Workflow['stages'][number]['algorithm'] }
    })
  }
}

/**
 * POST: the workflow as a JSON body. `providerSignature` signs the `agreementId` text,
 * which is what the operator-service verifies (with SIGNATURE_REQUIRED=1).
 */
export async function startCall (path: string, account: ProviderAccount, request: OperatorStartRequest): Promise<OperatorCall> {
  const { workflow, owner, documentId } = request
  const agreementId = given(request.agreementId) ? request.agreementId : madeUpAgreementId()
  const body: Record<string, unknown> = { workflow: withoutEmptyAlgorithmIds(workflow) }
  if (given(documentId)) body.documentId = documentId
  body.agreementId = agreementId
  body.owner = owner
  body.providerAddress = account.address
  body.providerSignature = await account.signMessage({ message: agreementId })
  return { method: 'POST', path, body: JSON.stringify(body) }
}

// Written out rather than through URLSearchParams and an object spread, which cost several
// times as much a call (`npm run bench -- --scenario transport`).
function param (key: string, value: string | undefined): string {
  // toWellFormed: encodeURIComponent throws on a lone surrogate, which a JSON body may carry.
  return given(value) ? `${key}=${encodeURIComponent(value.toWellFormed())}&` : ''
}

/**
 * GET, PUT or DELETE: the selection as a query string, signed over `providerAddress + jobId + documentId`
 * (the operator-service checks none of them).
 */
export async function queryCall (method: 'GET' | 'PUT' | 'DELETE', path: string, account: ProviderAccount, query: OperatorQuery): Promise<OperatorCall> {
  const { owner, jobId, documentId, agreementId } = query
  const signature = await sign(account, jobId, documentId)
  const search = param('owner', owner) + param('jobId', jobId) + param('documentId', documentId) + param('agreementId', agreementId) +
    `providerAddress=${account.address}&providerSignature=${encodeURIComponent(signature)}`
  return { method, path: `${path}?${search}` }
}

/** getResult: result `index` of a job, by its id (the operator-service checks no owner: the route did). */
export function resultCall (path: string, jobId: string, index: number): OperatorCall {
  return { method: 'GET', path: `${path}?jobId=${encodeURIComponent(jobId.toWellFormed())}&index=${index}` }
}
