import type { ComputeVerifier } from './types.js'
import { defaultCheckSignature, defaultMessage, personalSignVerifier, type PersonalSignVerifierOptions } from './personal-sign.js'

/**
 * Remembers the last nonce accepted from each address. Addresses arrive in lower
 * case. `advance` must be atomic: of many concurrent calls with the same nonce, at
 * most one may answer true. See the README for Redis and PostgreSQL versions.
 */
export interface NonceStore {
  /** The last nonce accepted from `address`, 0 when none. */
  get(address: string): number | Promise<number>
  /** Records `nonce` and answers true only if it is greater than the last one accepted. */
  advance(address: string, nonce: number): boolean | Promise<boolean>
}

/** A nonce store in this process's memory: atomic because JavaScript runs it in one step. */
export function memoryNonceStore (): NonceStore {
  const last = new Map<string, number>()
  return {
    get: address => last.get(address) ?? 0,
    advance (address, nonce) {
      if (nonce <= (last.get(address) ?? 0)) return false
      last.set(address, nonce)
      return true
    }
  }
}

// A decimal number, as Ocean clients send it (Date.now() or a counter); exact below 2^53.
const NONCE = /^\d{1,16}(\.\d{1,6})?$/

/** The nonce of a request, or undefined when missing or not a decimal number. */
export function parseNonce (value: unknown): number | undefined {
  return typeof value === 'string' && NONCE.test(value) ? Number(value) : undefined
}

/**
 * The default verifier with replay protection: the consumer signs
 * `consumerAddress + jobId + documentId + nonce` (nonce sent as a parameter), and
 * each nonce must be greater than the last one accepted from that address. The
 * nonce advances only once the signature checked out, so a forged request cannot
 * burn a victim's nonce.
 */
export function nonceVerifier (store: NonceStore, options: Omit<PersonalSignVerifierOptions, 'cacheSize'> = {}): ComputeVerifier {
  const buildMessage = options.buildMessage ?? defaultMessage
  const checkSignature = options.checkSignature ?? defaultCheckSignature
  return personalSignVerifier({
    buildMessage: async input => (await buildMessage(input)) + String(input.params.nonce ?? ''),
    async checkSignature (check) {
      const nonce = parseNonce(check.input.params.nonce)
      return nonce !== undefined &&
        await checkSignature(check) &&
        await store.advance(check.address.toLowerCase(), nonce)
    }
  })
}
