import type { PostgresNonceClient } from '../../lib/index.js'
import { nonceGreater } from '../../lib/verifier/nonce-value.js'

/**
 * A stand-in for a pg Pool on a PostgreSQL server, for the statements postgresNonceStore
 * sends, answering as PostgreSQL does (postgres.test.ts runs the same probes on both):
 * rows and rowCount of each statement, and error 42P01 `relation "<table>" does not
 * exist` for a table that is not there. Nonces compare as exact decimals, as `numeric` does.
 */
export function fakePostgres (): PostgresNonceClient & { tables: Map<string, Map<string, string>> } {
  const tables = new Map<string, Map<string, string>>()
  const tableOf = (name: string) => tables.get(name) ?? (() => {
    throw Object.assign(new Error(`relation "${name}" does not exist`), { code: '42P01' })
  })()
  return {
    tables,
    async query (text, values = []) {
      const [address, nonce] = values as [string, string]
      let match: RegExpExecArray | null
      if ((match = /CREATE TABLE IF NOT EXISTS (\S+) /.exec(text)) !== null) {
        if (!tables.has(match[1]!)) tables.set(match[1]!, new Map())
        return { rows: [], rowCount: null }
      }
      if (text.startsWith('SELECT to_regclass($1)')) return { rows: [{ found: tables.has(address) }], rowCount: 1 }
      if ((match = /^SELECT nonce::text AS nonce FROM (\S+) WHERE/.exec(text)) !== null) {
        const stored = tableOf(match[1]!).get(address)
        return { rows: stored === undefined ? [] : [{ nonce: stored }], rowCount: stored === undefined ? 0 : 1 }
      }
      if ((match = /^INSERT INTO (\S+) AS stored/.exec(text)) !== null) {
        const table = tableOf(match[1]!)
        const stored = table.get(address)
        if (stored !== undefined && !nonceGreater(nonce, stored)) return { rows: [], rowCount: 0 }
        table.set(address, nonce)
        return { rows: [], rowCount: 1 }
      }
      throw new Error(`a statement this fake does not know: ${text}`)
    }
  }
}
