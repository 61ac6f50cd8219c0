import { checksumAddress, type Address } from 'viem'
import { wholeNumber } from '../option-checks.js'
import type { ComputeVerifier, VerifyInput } from './types.js'
import { recoveryBackend } from './recover.js'
import { cachedRecover, type Recover } from './cache.js'

/** What `checkSignature` is asked: did `address` sign `message`? */
export interface SignatureCheck {
  address: string
  message: string
  signature: string
  input: VerifyInput
}

export interface PersonalSignVerifierOptions {
  /**
   * Builds the text the consumer signed.
   * Default: `consumerAddress + jobId + documentId`, missing values as ''.
   */
  buildMessage?: (input: VerifyInput) => string | Promise<string>
  /**
   * Checks one signature. Default: EIP-191 personal_sign recovery, compared with
   * `address` ignoring case. Override for EIP-712, EIP-1271 smart accounts and the like.
   */
  checkSignature?: (check: SignatureCheck) => boolean | Promise<boolean>
  /**
   * How many recoveries (message and signature to signer) the default check
   * remembers, so that a client polling with the same signature costs one
   * recovery; 0 turns the cache off. A cached signer is still compared with the
   * claimed address on every request. Default: 10000 with the default message
   * (an entry holds at most ~1.5 KB within the parameter limits); 0 when
   * `buildMessage` is given, because such messages usually carry a nonce or a
   * timestamp that makes each one new: set it to cache them anyway. Unused with
   * `checkSignature`: a custom check (EIP-1271 asks a contract) may change its answer.
   */
  cacheSize?: number
}

const DEFAULT_CACHE_SIZE = 10_000

/**
 * The spec's message (section 1.2): the plain concatenation, consumerAddress exactly
 * as received. The computeResult route signs the result's index in place of the documentId.
 */
export function defaultMessage ({ action, params }: VerifyInput): string {
  const last = action === 'result' ? String(params.index) : params.documentId ?? ''
  return params.consumerAddress + (params.jobId ?? '') + last
}

const recoverSigner: Recover = async (message, signature) => await recoveryBackend().recover(message, signature)

/**
 * The address that personal_sign-ed `message` (EIP-191, UTF-8 text even when it
 * looks like hex), checksummed, or undefined for a malformed or unrecoverable signature.
 */
export async function recoverPersonalSign (message: string, signature: string): Promise<string | undefined> {
  const signer = await recoverSigner(message, signature)
  return signer === undefined ? undefined : checksumAddress(signer as Address)
}

// The default check over a recovery: the signer (lower case) must be the claimed address, ignoring case.
function checkWith (recover: Recover): (check: SignatureCheck) => Promise<boolean> {
  return async ({ address, message, signature }) => (await recover(message, signature)) === address.toLowerCase()
}

/** EIP-191 personal_sign recovery, compared with `address` ignoring case; uncached. */
export const defaultCheckSignature = checkWith(recoverSigner)

function cacheSizeOf (options: PersonalSignVerifierOptions): number {
  return wholeNumber('cacheSize', options.cacheSize ?? undefined, options.buildMessage === undefined ? DEFAULT_CACHE_SIZE : 0)
}

/**
 * The default verifier: EIP-191 personal_sign of `consumerAddress + jobId + documentId`
 * (the Ocean provider's scheme). Each part can be replaced on its own.
 */
export function personalSignVerifier (options: PersonalSignVerifierOptions = {}): ComputeVerifier {
  const buildMessage = options.buildMessage ?? defaultMessage
  const cacheSize = cacheSizeOf(options)
  const checkSignature = options.checkSignature ??
    (cacheSize === 0 ? defaultCheckSignature : checkWith(cachedRecover(recoverSigner, cacheSize)))
  return {
    async verify (input) {
      const { consumerAddress: address, signature } = input.params
      if (signature === undefined || signature === '') return undefined
      const message = await buildMessage(input)
      return (await checkSignature({ address, message, signature, input })) ? address : undefined
    }
  }
}
