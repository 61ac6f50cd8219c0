import type { PostgresNonceClient } from '../../lib/index.js'
import { nonceGreater } from '../../lib/verifier/nonce-value.js'

/**
 * A stand-in for a pg Pool on a PostgreSQL server, for the statements postgresNonceStore
 * and postgresOrderUses send, answering as PostgreSQL does (postgres.test.ts and
 * uses-postgres.test.ts run the same probes on both): rows and rowCount of each statement,
 * and error 42P01 `relation "<table>" does not exist` for a table that is not there.
 * Nonces compare as exact decimals, as `numeric` does. `sent` is every statement.
 */
export function fakePostgres (): PostgresNonceClient & { tables: Map<string, Map<string, string>>, sent: Array<{ text: string, values: unknown[] }> } {
  const tables = new Map<string, Map<string, string>>()
  const sent: Array<{ text: string, values: unknown[] }> = []
  const tableOf = (name: string) => tables.get(name) ?? (() => {
    throw Object.assign(new Error(`relation "${name}" does not exist`), { code: '42P01' })
  })()
  return {
    tables,
    sent,
    async query (text, values = []) {
      sent.push({ text, values })
      const [address, nonce] = values as [string, string]
      let match: RegExpExecArray | null
      // postgresOrderUses: a row per order, its uses counted up below the limit, given back never below 0.
      if ((match = /^INSERT INTO (\S+) AS stored \(order_id/.exec(text)) !== null) {
        const table = tableOf(match[1]!)
        const taken = Number(table.get(address) ?? 0)
        if (table.has(address) && taken >= (values[1] as number)) return { rows: [], rowCount: 0 }
        table.set(address, String(taken + 1))
        return { rows: [], rowCount: 1 }
      }
      if ((match = /^UPDATE (\S+) SET taken = taken - 1/.exec(text)) !== null) {
        const table = tableOf(match[1]!)
        const taken = Number(table.get(address) ?? 0)
        if (taken > 0) table.set(address, String(taken - 1))
        return { rows: [], rowCount: taken > 0 ? 1 : 0 }
      }
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
