/** `recover` as `RecoveryBackend.recover` has it: the signer in lower case, or undefined. */
export type Recover = (message: string, signature: string) => Promise<string | undefined>

// 0x and 65 bytes in hex: the only length recovery accepts.
const SIGNATURE_LENGTH = 132

/**
 * Remembers the last `size` recoveries, so that a client polling status with the
 * same signature costs one recovery, not one per poll. It caches what recovery
 * answered, never a verdict: the caller still compares the signer with the claimed
 * address on every request. Recovery is a pure function of (message, signature),
 * so a cached answer is exactly the answer recovery would give again.
 */
export function cachedRecover (recover: Recover, size: number): Recover {
  // A Map iterates in insertion order: re-inserting on a hit makes the first key the least recently used.
  const signers = new Map<string, string>()
  return async function recoverCached (message, signature) {
    // With the signature's length fixed, signature + message splits only one way. Without
    // this check a longer "signature" plus a shorter message could hit someone else's entry.
    if (signature.length !== SIGNATURE_LENGTH) return await recover(message, signature)
    const key = signature + message
    const hit = signers.get(key)
    if (hit !== undefined) {
      signers.delete(key)
      signers.set(key, hit)
      return hit
    }
    const signer = await recover(message, signature)
    if (signer !== undefined) {
      signers.set(key, signer)
      if (signers.size > size) signers.delete(signers.keys().next().value!)
    }
    return signer
  }
}
