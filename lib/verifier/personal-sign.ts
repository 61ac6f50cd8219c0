import { recoverMessageAddress, type Hex } from 'viem'
import type { ComputeVerifier, VerifyInput } from './types.js'

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
}

// 65 bytes: r, s and v. Anything else is refused before any curve arithmetic.
const SIGNATURE = /^0x[0-9a-fA-F]{130}$/

/** The spec's message (section 1.2): the plain concatenation, consumerAddress exactly as received. */
export function defaultMessage ({ params }: VerifyInput): string {
  return params.consumerAddress + (params.jobId ?? '') + (params.documentId ?? '')
}

/**
 * The address that personal_sign-ed `message` (EIP-191, UTF-8 text even when it
 * looks like hex), or undefined for a malformed or unrecoverable signature.
 */
export async function recoverPersonalSign (message: string, signature: string): Promise<string | undefined> {
  if (!SIGNATURE.test(signature)) return undefined
  try {
    return await recoverMessageAddress({ message, signature: signature as Hex })
  } catch {
    return undefined
  }
}

export async function defaultCheckSignature ({ address, message, signature }: SignatureCheck): Promise<boolean> {
  const signer = await recoverPersonalSign(message, signature)
  return signer !== undefined && signer.toLowerCase() === address.toLowerCase()
}

/**
 * The default verifier: EIP-191 personal_sign of `consumerAddress + jobId + documentId`
 * (the Ocean provider's scheme). Each part can be replaced on its own.
 */
export function personalSignVerifier (options: PersonalSignVerifierOptions = {}): ComputeVerifier {
  const buildMessage = options.buildMessage ?? defaultMessage
  const checkSignature = options.checkSignature ?? defaultCheckSignature
  return {
    async verify (input) {
      const { consumerAddress: address, signature } = input.params
      if (signature === undefined || signature === '') return undefined
      const message = await buildMessage(input)
      return (await checkSignature({ address, message, signature, input })) ? address : undefined
    }
  }
}
