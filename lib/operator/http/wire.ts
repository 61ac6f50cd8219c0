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
function given<T extends Record<string, string | undefined>> (fields: T): Partial<Record<keyof T, string>> {
  const present: Partial<Record<keyof T, string>> = {}
  for (const key in fields) {
    const value = fields[key]
    if (value !== undefined && value !== '') present[key] = value
  }
  return present
}

// Spec section 2: EIP-191 personal_sign of the concatenation, missing parts as ''.
async function provider (account: ProviderAccount, ...parts: Array<string | undefined>) {
  const providerAddress = account.address
  const providerSignature = await account.signMessage({ message: providerAddress + parts.map(part => part ?? '').join('') })
  return { providerAddress, providerSignature }
}

/** POST: the workflow as a JSON body, signed over `providerAddress + documentId`. */
export async function startCall (path: string, account: ProviderAccount, request: OperatorStartRequest): Promise<OperatorCall> {
  const { workflow, owner, documentId, agreementId } = request
  const body = {
    workflow,
    ...given({ documentId, agreementId, owner }),
    ...await provider(account, documentId)
  }
  return { method: 'POST', path, body: JSON.stringify(body) }
}

/** GET, PUT or DELETE: the selection as a query string, signed over `providerAddress + jobId + documentId`. */
export async function queryCall (method: 'GET' | 'PUT' | 'DELETE', path: string, account: ProviderAccount, query: OperatorQuery): Promise<OperatorCall> {
  const { owner, jobId, documentId, agreementId } = query
  const search = new URLSearchParams({
    ...given({ owner, jobId, documentId, agreementId }),
    ...await provider(account, jobId, documentId)
  })
  return { method, path: `${path}?${search}` }
}
