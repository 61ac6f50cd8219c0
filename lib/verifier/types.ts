import type { FastifyRequest } from 'fastify'

/** The route a signature is checked for. */
export type ComputeAction = 'start' | 'status' | 'stop' | 'delete' | 'result'

/** The parameters a verifier may use, as the client sent them (`undefined` when absent). */
export interface SignedParams {
  consumerAddress: string
  signature?: string | undefined
  jobId?: string | undefined
  documentId?: string | undefined
  /** Every other parameter of the request, for verifiers that sign more. */
  [name: string]: unknown
}

export interface VerifyInput {
  action: ComputeAction
  params: SignedParams
  request: FastifyRequest
}

/**
 * Decides who signed a request. Answer the verified address, or `undefined`
 * when the signature is missing, malformed or from another address (the route then
 * answers 401). Change state (a nonce, a counter) only once the signature checked out.
 */
export interface ComputeVerifier {
  verify(input: VerifyInput): Promise<string | undefined> | string | undefined
}
