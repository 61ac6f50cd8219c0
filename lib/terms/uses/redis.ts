import { InvalidOptionError } from '../../errors.js'
import type { OrderUseStore } from './store.js'

/**
 * What the store uses of an ioredis client (what `@fastify/redis` decorates as
 * `fastify.redis`). Structural, so that ioredis is not a dependency of this package.
 */
export interface RedisOrderUseClient {
  eval(script: string, numberOfKeys: number, ...keysAndArgs: string[]): Promise<unknown>
}

export interface RedisOrderUsesOptions {
  /** Prepended to each order's key. Default: `'fastify-ocean-compute:order:'`. */
  prefix?: string
}

// One script each, so Redis compares and writes in one step for every client.
// ARGV[2] is the order's expiry in ms ('' for none): the key goes with it.
const TAKE = `
local taken = tonumber(redis.call('GET', KEYS[1]) or '0')
if taken >= tonumber(ARGV[1]) then return 0 end
redis.call('INCR', KEYS[1])
if ARGV[2] ~= '' then redis.call('PEXPIREAT', KEYS[1], ARGV[2]) end
return 1`

const RELEASE = `
if tonumber(redis.call('GET', KEYS[1]) or '0') > 0 then redis.call('DECR', KEYS[1]) end
return 1`

/**
 * Order uses in Redis, shared by every provider process that uses the same server:
 * one counter per order, which expires at the `expiresAt` it is given (a day after the
 * order; never, for an order that never expires).
 */
export function redisOrderUses (redis: RedisOrderUseClient, options: RedisOrderUsesOptions = {}): OrderUseStore {
  if (typeof redis?.eval !== 'function') {
    throw new InvalidOptionError('redisOrderUses needs an ioredis client (with an eval method)')
  }
  const prefix = options.prefix ?? 'fastify-ocean-compute:order:'
  if (typeof prefix !== 'string') throw new InvalidOptionError('redisOrderUses: prefix must be a string')
  return {
    take: async (order, limit, expiresAt) =>
      await redis.eval(TAKE, 1, prefix + order, String(limit), expiresAt === undefined ? '' : String(expiresAt)) === 1,
    async release (order) {
      await redis.eval(RELEASE, 1, prefix + order)
    }
  }
}
