import type { NonceStore } from '../nonce.js'
import { nonceGreater } from '../nonce-value.js'

/** A nonce store in this process's memory: atomic because JavaScript runs `advance` in one step. One process only. */
export function memoryNonceStore (): NonceStore {
  const current = new Map<string, string>()
  return {
    get: address => current.get(address) ?? '0',
    advance (address, nonce) {
      if (!nonceGreater(nonce, current.get(address) ?? '0')) return false
      current.set(address, nonce)
      return true
    }
  }
}
