/**
 * Counts the jobs started with each order, against the host's limit. Keys are the
 * plugin's (an order's transaction hash and datatoken, lower case). Ready-made:
 * `memoryOrderUses()`, `redisOrderUses(redis)`, `postgresOrderUses(pool)`.
 */
export interface OrderUseStore {
  /**
   * Takes one use of `order` and answers true, if fewer than `limit` (at least 1) are
   * taken; otherwise changes nothing and answers false. Must be atomic: of many
   * concurrent calls at most `limit` may answer true. `expiresAt` (ms since the epoch),
   * when given, is when the store may forget the order (a day after the order expires).
   */
  take(order: string, limit: number, expiresAt?: number): boolean | Promise<boolean>
  /** Gives back one use taken by `take` (the job it was taken for never started). */
  release(order: string): void | Promise<void>
  /** Rejects when the store cannot work as configured (a missing table); the plugin awaits it at registration. */
  ready?(): Promise<void>
}
