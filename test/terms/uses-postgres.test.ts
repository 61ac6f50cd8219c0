import t from 'tap'
import pg from 'pg'
import { postgresOrderUses, type PostgresOrderUseClient } from '../../lib/index.js'
import { fakePostgres } from '../helpers/fake-postgres.js'
import { startPostgres } from '../helpers/postgres.js'
import { startAnvil } from '../helpers/anvil.js'
import { checkOrderUses, missingOrderUsesTable } from '../helpers/order-uses-contract.js'
import { checkOrderUsesBetweenProcesses } from '../helpers/shared-order-uses.js'

// A PostgreSQL server, anvil and two processes to start: slow on a busy 2-core machine.
t.setTimeout(180_000)
const server = await startPostgres(t)
if (server !== undefined) {
  // Started before any subtest: once the subtests are done, tap ends this file's test and runs
  // a teardown added later at once, which killed anvil while it was still being waited for.
  const node = await startAnvil(t)
  const pool = new pg.Pool({ ...server, max: 20 })
  t.teardown(async () => { await pool.end() })

  t.test('postgresOrderUses counts uses per order, atomically, on a real PostgreSQL', async t => {
    const store = postgresOrderUses(pool)
    await store.createTable()
    await store.createTable() // a second run, as every process start would do, changes nothing
    await checkOrderUses(t, store)
  })

  t.test('a row per order in a table of the host\'s choosing, with its expiry for pruning', async t => {
    await pool.query('CREATE SCHEMA IF NOT EXISTS provider')
    const store = postgresOrderUses(pool, { table: 'provider.uses' })
    await store.createTable()
    t.equal(await store.take('0xabc', 2, 1234), true)
    t.equal(await store.take('0xdef', 2), true)
    await store.release('0xdef')
    await store.release('0xdef')
    t.same((await pool.query('SELECT order_id, taken, expires_at::text FROM provider.uses ORDER BY order_id')).rows,
      [{ order_id: '0xabc', taken: 1, expires_at: '1234' }, { order_id: '0xdef', taken: 0, expires_at: null }], 'released, never below 0')
  })

  t.test('a missing table refuses registration, saying so, and one dropped later is named by the store', async t => {
    await missingOrderUsesTable(t, pool, async () => { await pool.query('DROP TABLE missing_uses') })
  })

  t.test('the in-process stand-in answers as PostgreSQL does', async t => {
    const answers = async (client: PostgresOrderUseClient) => {
      const store = postgresOrderUses(client, { table: 'probe_uses' })
      const seen: unknown[] = [await store.ready().catch((err: Error) => err.message), await Promise.resolve(store.take('0xa', 1)).catch((err: Error) => err.message)]
      await store.createTable()
      await store.createTable()
      seen.push(await store.ready(), await store.take('0xa', 2), await store.take('0xa', 2), await store.take('0xa', 2), await store.take('0xb', 0))
      seen.push(await client.query('UPDATE probe_uses SET taken = taken - 1 WHERE order_id = $1 AND taken > 0', ['0xa']).then(answer => answer.rowCount))
      seen.push(await client.query('UPDATE probe_uses SET taken = taken - 1 WHERE order_id = $1 AND taken > 0', ['0xnone']).then(answer => answer.rowCount))
      return seen
    }
    t.same(await answers(fakePostgres()), await answers(pool))
  })

  if (node !== undefined) {
    t.test('two provider processes with one PostgreSQL start one job with an order of one', async t => {
      await postgresOrderUses(pool).createTable()
      await checkOrderUsesBetweenProcesses(t, node.url, { ORDER_USES_POSTGRES: JSON.stringify(server) })
    })
  }
}
