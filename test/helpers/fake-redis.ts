import type { RedisNonceClient } from '../../lib/index.js'
import { nonceGreater } from '../../lib/verifier/nonce-value.js'

/**
 * A stand-in for an ioredis client, for the two commands redisNonceStore sends: GET
 * (null for a key never set) and the EVAL of its advance script (1 when the key moved to
 * a greater nonce, else 0), as Redis answers them (redis.test.ts runs the same probes on both).
 */
export function fakeRedis (): RedisNonceClient & { keys: Map<string, string> } {
  const keys = new Map<string, string>()
  return {
    keys,
    get: async key => keys.get(key) ?? null,
    async eval (_script, _count, key, nonce) {
      const stored = keys.get(String(key)) ?? '0'
      if (!nonceGreater(String(nonce), stored)) return 0
      keys.set(String(key), String(nonce))
      return 1
    }
  }
}
