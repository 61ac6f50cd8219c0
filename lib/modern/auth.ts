import type { FastifyRequest } from 'fastify'
import { AccessDeniedError, NodeAuthError } from '../errors.js'
import type { ComputeAction } from '../verifier/types.js'
import { canonical } from '../routes/common.js'
import type { ResolvedNodeOptions } from './options.js'

/** The commands a current client signs, per route. */
export type NodeCommand = 'freeStartCompute' | 'stopCompute' | 'getComputeResult' | 'getComputeStreamableLogs' | 'createAuthToken'

/** Who a request says it acts for, and its proof: a signature with its nonce, or a token in `Authorization`. */
export interface Credentials {
  consumerAddress: string
  signature?: string | null | undefined
  nonce?: string | undefined
}

const MISMATCH = 'consumer address and nonce signature mismatch'
const NEITHER = 'Invalid authentication, you need to provide either a token or an address, signature and nonce'

/** The token a request carries: `Authorization` as ocean.js sends it (raw), or after `Bearer `. */
export function tokenOf (request: FastifyRequest): string | undefined {
  const header = request.headers.authorization
  if (header === undefined || header === '' || header === 'undefined') return undefined
  return header.startsWith('Bearer ') ? header.slice('Bearer '.length) : header
}

/** The claimed address when `token` is a live token issued to it; 401 for no token of ours, 403 for another address's. */
export function tokenHolder (options: ResolvedNodeOptions, token: string, consumerAddress: string): string {
  const claims = options.tokens.read(token)
  if (claims === undefined) throw new NodeAuthError('Invalid token')
  // Unlike ocean-node: a token acts only for the address it was issued to.
  if (claims.address.toLowerCase() !== consumerAddress.toLowerCase()) throw new AccessDeniedError('Access denied: the token was issued to another address.')
  return canonical(consumerAddress)
}

/**
 * The consumer a signed request acts for (checksummed): its signature of `command`
 * with a fresh nonce when it has one (which spends the nonce), else its token. A 401 with
 * ocean-node's message for a bad signature or a spent nonce, a 403 for a token of another
 * address. `action` is the first profile's nearest one, for verifiers that read it;
 * `command` is what the consumer signed, handed to the verifier as `params.command`.
 */
export async function authenticate (options: ResolvedNodeOptions, request: FastifyRequest, credentials: Credentials, command: NodeCommand, action: ComputeAction): Promise<string> {
  const { consumerAddress, signature, nonce } = credentials
  if (typeof signature === 'string' && signature !== '') {
    const address = await options.verifier.verify({ action, request, params: { consumerAddress, signature, nonce, command } })
    if (address === undefined) throw new NodeAuthError(MISMATCH)
    return canonical(address)
  }
  const token = tokenOf(request)
  if (token === undefined) throw new NodeAuthError(NEITHER)
  return tokenHolder(options, token, consumerAddress)
}
