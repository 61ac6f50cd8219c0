import { NodeAuthError } from '../errors.js'
import { currentNonce, fromStore, madeOnStore, type NonceStore } from '../verifier/nonce.js'
import { nonceGreater, parseNonce } from '../verifier/nonce-value.js'
import type { ComputeVerifier } from '../verifier/types.js'
import { commandMessage, signedByAddress } from './signature.js'

/** What `checkSignature` of the current wire is asked: did `address` sign `message` (`address + nonce + command`)? */
export interface CommandSignatureCheck {
  address: string
  message: string
  signature: string
}

export interface NodeVerifierOptions {
  /**
   * Checks one signature. Default: EIP-191 personal_sign of keccak256(message), as its raw
   * bytes or its hex text (what ocean.js 6 to 8 and ocean-node sign). Override for
   * ERC-1271 smart accounts and the like.
   */
  checkSignature?: (check: CommandSignatureCheck) => boolean | Promise<boolean>
}

function spent (nonce: string): Error {
  return new NodeAuthError(`nonce: ${nonce} is not a valid nonce`)
}

/**
 * The current wire's verifier (ocean-node's rule): the consumer signs
 * `consumerAddress + nonce + command` with a nonce greater than its stored one (clients
 * send the stored one + 1), which is then stored. A nonce at or below the stored one is
 * refused with ocean-node's message before any signature is checked; a forged request
 * never moves the nonce. The route names the command in `params.command`.
 */
export function nodeVerifier (store: NonceStore, options: NodeVerifierOptions = {}): ComputeVerifier {
  const checkSignature = options.checkSignature ?? (async ({ address, message, signature }) => await signedByAddress(address, message, signature))
  return madeOnStore({
    async verify ({ params, request }) {
      const { consumerAddress: address, signature, nonce: sent, command } = params
      if (typeof signature !== 'string' || signature === '' || typeof sent !== 'string' || typeof command !== 'string') return undefined
      const nonce = parseNonce(sent)
      if (nonce === undefined) throw spent(sent)
      const key = address.toLowerCase()
      if (!nonceGreater(nonce, await currentNonce(store, key, request))) throw spent(sent)
      if (!await checkSignature({ address, message: commandMessage(address, sent, command), signature })) return undefined
      // Atomic in the store: of two requests with the same nonce, one passes.
      if (!await fromStore(request, () => store.advance(key, nonce))) throw spent(sent)
      return address
    }
  }, 'nodeVerifier', store, bounded => nodeVerifier(bounded, options))
}
