import { InvalidOptionError } from '../../errors.js'
import { memoryOrderUses } from './memory.js'
import { postgresOrderUses } from './postgres.js'
import { redisOrderUses } from './redis.js'
import type { OrderUseStore } from './store.js'

/** An order-use store, or a client to make one from: an ioredis client (eval) or a pg Pool (query). */
export type OrderUsesOption = OrderUseStore | { eval: (...args: never[]) => unknown } | { query: (...args: never[]) => unknown }

/**
 * The store `option` names, by its shape: a store as it is, an ioredis client for
 * Redis, a pg Pool for PostgreSQL (whose table must exist: `postgresOrderUses(pool).createTable()`),
 * or memory when there is none.
 */
export function orderUsesFrom (option: OrderUsesOption | undefined, name: string): OrderUseStore {
  if (option === undefined) return memoryOrderUses()
  const given = option as Partial<Record<'take' | 'release' | 'eval' | 'query', unknown>>
  if (typeof given.take === 'function' && typeof given.release === 'function') return option as OrderUseStore
  if (typeof given.eval === 'function') return redisOrderUses(option as Parameters<typeof redisOrderUses>[0])
  if (typeof given.query === 'function') return postgresOrderUses(option as Parameters<typeof postgresOrderUses>[0])
  throw new InvalidOptionError(`${name} must be an order-use store (take, release), an ioredis client or a pg Pool`)
}
