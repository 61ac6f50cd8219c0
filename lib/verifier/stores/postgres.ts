import { InvalidOptionError } from '../../errors.js'
import type { NonceStore } from '../nonce.js'

/**
 * What the store uses of a `pg` Pool (what `@fastify/postgres` decorates as
 * `fastify.pg`). Structural, so that pg is not a dependency of this package.
 */
export interface PostgresNonceClient {
  query(text: string, values?: unknown[]): Promise<{ rows: unknown[], rowCount: number | null }>
}

export interface PostgresNonceStoreOptions {
  /** The table, optionally schema-qualified (`schema.table`). Default: `'compute_nonces'`. */
  table?: string
}

/** A PostgreSQL nonce store, with the statement that creates its table. */
export interface PostgresNonceStore extends NonceStore {
  /**
   * Creates the store's table when it is missing; run it before registering the plugin (or
   * put the table in your migrations). Safe when several processes run it at once.
   */
  createTable(): Promise<void>
  /** Rejects, saying so, when the table is missing; the plugin awaits it at registration. */
  ready(): Promise<void>
}

// PostgreSQL's SQLSTATE for a relation that does not exist.
const UNDEFINED_TABLE = '42P01'

// Interpolated into SQL, so only plain identifiers: no quoting games.
const TABLE = /^[A-Za-z_]\w*(\.[A-Za-z_]\w*)?$/

/** The table a PostgreSQL store of `name` uses (`table`, or `fallback`), once its pool and table are checked. */
export function postgresTable (name: string, pool: PostgresNonceClient, table: unknown, fallback: string): string {
  if (typeof pool?.query !== 'function') {
    throw new InvalidOptionError(`${name} needs a pg Pool or Client (with a query method)`)
  }
  const chosen = table ?? fallback
  if (typeof chosen !== 'string' || !TABLE.test(chosen)) {
    throw new InvalidOptionError(`${name}: table must be an SQL identifier, optionally schema-qualified (letters, digits, _)`)
  }
  return chosen
}

/** What every PostgreSQL store of this package does with its one table. */
export interface PostgresTable {
  /** The table's name, checked. */
  table: string
  /** `pool.query`, where a missing table rejects saying so rather than "could not be reached". */
  query (text: string, values: unknown[]): Promise<{ rows: unknown[], rowCount: number | null }>
  /** Creates the table with `columns` when it is missing; safe when several processes run it at once. */
  createTable (columns: string): Promise<void>
  /** Rejects, saying so, when the table is missing (or PostgreSQL cannot be reached). */
  ready (): Promise<void>
}

/** The table of the store `name` (`table`, or `fallback`) in `pool`, with what each store does with it. */
export function postgresStoreTable (name: string, pool: PostgresNonceClient, table: unknown, fallback: string): PostgresTable {
  const chosen = postgresTable(name, pool, table, fallback)
  const missing = () => new InvalidOptionError(`${name}: the table ${chosen} does not exist; call createTable() before registering the plugin, or create it in your migrations`)
  return {
    table: chosen,
    // A table dropped while serving: the log says what is missing, not that PostgreSQL is away.
    query: async (text, values) => await pool.query(text, values).catch((err: { code?: unknown }) => {
      throw err?.code === UNDEFINED_TABLE ? missing() : err
    }),
    // CREATE TABLE IF NOT EXISTS is not safe when two sessions run it at once (one fails on
    // pg_type's unique index): a transaction-scoped advisory lock makes them take turns, in
    // one statement, so that any pool connection will do.
    async createTable (columns) {
      await pool.query(`DO $$ BEGIN
        PERFORM pg_advisory_xact_lock(hashtext('fastify-ocean-compute createTable ${chosen}'));
        CREATE TABLE IF NOT EXISTS ${chosen} (${columns});
      END $$`)
    },
    async ready () {
      const { rows } = await pool.query('SELECT to_regclass($1) IS NOT NULL AS found', [chosen])
      if ((rows[0] as { found: boolean } | undefined)?.found !== true) throw missing()
    }
  }
}

/**
 * A nonce store in PostgreSQL, shared by every provider process that uses the same
 * database: a row per address, `numeric` so that no nonce is rounded. `advance` is
 * one upsert that only writes a greater nonce; PostgreSQL locks the row and checks
 * again, so of concurrent upserts with the same nonce exactly one writes.
 */
export function postgresNonceStore (pool: PostgresNonceClient, options: PostgresNonceStoreOptions = {}): PostgresNonceStore {
  const { table, query, createTable, ready } = postgresStoreTable('postgresNonceStore', pool, options.table, 'compute_nonces')
  const select = `SELECT nonce::text AS nonce FROM ${table} WHERE address = $1`
  const upsert = `INSERT INTO ${table} AS stored (address, nonce) VALUES ($1, $2::numeric)
    ON CONFLICT (address) DO UPDATE SET nonce = EXCLUDED.nonce WHERE stored.nonce < EXCLUDED.nonce`
  return {
    async get (address) {
      const { rows } = await query(select, [address])
      return (rows[0] as { nonce: string } | undefined)?.nonce ?? '0'
    },
    advance: async (address, nonce) => (await query(upsert, [address, nonce])).rowCount === 1,
    createTable: async () => { await createTable('address text PRIMARY KEY, nonce numeric NOT NULL') },
    ready
  }
}
