import { postgresStoreTable, type PostgresNonceClient } from '../../verifier/stores/postgres.js'
import type { OrderUseStore } from './store.js'

/** What the store uses of a `pg` Pool: the same as the nonce store's. */
export type PostgresOrderUseClient = PostgresNonceClient

export interface PostgresOrderUsesOptions {
  /** The table, optionally schema-qualified (`schema.table`). Default: `'compute_order_uses'`. */
  table?: string
}

/** A PostgreSQL order-use store, with the statement that creates its table. */
export interface PostgresOrderUses extends OrderUseStore {
  /**
   * Creates the store's table when it is missing; run it before registering the plugin (or
   * put the table in your migrations). Safe when several processes run it at once.
   */
  createTable(): Promise<void>
  /** Rejects, saying so, when the table is missing; the plugin awaits it at registration. */
  ready(): Promise<void>
}

/**
 * Order uses in PostgreSQL, shared by every provider process that uses the same
 * database: a row per order. `take` is one upsert that only counts up below the limit;
 * PostgreSQL locks the row and checks again, so of concurrent upserts no more than the
 * limit write. Rows stay: `expires_at` (ms since the epoch, null for never) lets a host
 * delete those of expired orders, which can start nothing anyway.
 */
export function postgresOrderUses (pool: PostgresOrderUseClient, options: PostgresOrderUsesOptions = {}): PostgresOrderUses {
  const { table, query, createTable, ready } = postgresStoreTable('postgresOrderUses', pool, options.table, 'compute_order_uses')
  const take = `INSERT INTO ${table} AS stored (order_id, taken, expires_at) VALUES ($1, 1, $3::bigint)
    ON CONFLICT (order_id) DO UPDATE SET taken = stored.taken + 1 WHERE stored.taken < $2::integer`
  const release = `UPDATE ${table} SET taken = taken - 1 WHERE order_id = $1 AND taken > 0`
  return {
    take: async (order, limit, expiresAt) =>
      (await query(take, [order, limit, expiresAt ?? null])).rowCount === 1,
    async release (order) {
      await query(release, [order])
    },
    createTable: async () => { await createTable('order_id text PRIMARY KEY, taken integer NOT NULL, expires_at bigint') },
    ready
  }
}
