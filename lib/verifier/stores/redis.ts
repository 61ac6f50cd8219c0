import { InvalidOptionError } from '../../errors.js'
import type { NonceStore } from '../nonce.js'

/**
 * What the store uses of an ioredis client (what `@fastify/redis` decorates as
 * `fastify.redis`). Structural, so that ioredis is not a dependency of this package.
 */
export interface RedisNonceClient {
  get(key: string): Promise<string | null>
  eval(script: string, numberOfKeys: number, ...keysAndArgs: string[]): Promise<unknown>
}

export interface RedisNonceStoreOptions {
  /** Prepended to each lower-case address to make its key. Default: `'fastify-ocean-compute:nonce:'`. */
  prefix?: string
}

// One script, so Redis runs the comparison and the write as one step for every client.
// Lua numbers are doubles: nonces are compared as canonical decimal text instead,
// more whole digits first, then digit by digit, as nonceGreater does.
const ADVANCE = `
local function greater (a, b)
  local aWhole, aFraction = string.match(a, '^(%d+)%.?(%d*)$')
  local bWhole, bFraction = string.match(b, '^(%d+)%.?(%d*)$')
  if #aWhole ~= #bWhole then return #aWhole > #bWhole end
  if aWhole ~= bWhole then return aWhole > bWhole end
  return aFraction > bFraction
end
if greater(ARGV[1], redis.call('GET', KEYS[1]) or '0') then
  redis.call('SET', KEYS[1], ARGV[1])
  return 1
end
return 0`

/**
 * A nonce store in Redis, shared by every provider process that uses the same
 * server: one string key per address, advanced by one Lua script. Keys never expire:
 * a forgotten nonce would start again at 0, and make old signatures valid again.
 */
export function redisNonceStore (redis: RedisNonceClient, options: RedisNonceStoreOptions = {}): NonceStore {
  if (typeof redis?.get !== 'function' || typeof redis.eval !== 'function') {
    throw new InvalidOptionError('redisNonceStore needs an ioredis client (with get and eval methods)')
  }
  const prefix = options.prefix ?? 'fastify-ocean-compute:nonce:'
  if (typeof prefix !== 'string') throw new InvalidOptionError('redisNonceStore: prefix must be a string')
  return {
    get: async address => await redis.get(prefix + address) ?? '0',
    advance: async (address, nonce) => await redis.eval(ADVANCE, 1, prefix + address, nonce) === 1
  }
}
