import t from 'tap'
import pg from 'pg'
import { postgresNonceStore } from '../../../lib/index.js'
import { startPostgres } from '../../helpers/postgres.js'
import { checkNonceStore } from '../../helpers/nonce-store-contract.js'
import { checkSharedBetweenProcesses } from '../../helpers/shared-store.js'

// A PostgreSQL server and two provider processes to start: on a busy 2-core machine that
// alone can take most of tap's 60 s per file.
t.setTimeout(180_000)
const server = await startPostgres(t)
if (server !== undefined) {
  const pool = new pg.Pool({ ...server, max: 20 })
  t.teardown(async () => { await pool.end() })

  t.test('postgresNonceStore keeps nonces exactly, advances only to greater ones, atomically', async t => {
    const store = postgresNonceStore(pool)
    await store.createTable()
    await store.createTable() // a second run, as every process start would do, changes nothing
    await checkNonceStore(t, store)
  })

  t.test('a schema-qualified table of the host\'s choosing', async t => {
    await pool.query('CREATE SCHEMA IF NOT EXISTS provider')
    const store = postgresNonceStore(pool, { table: 'provider.nonces' })
    await store.createTable()
    t.equal(await store.advance('0xabc', '12.5'), true)
    t.same((await pool.query('SELECT address, nonce::text FROM provider.nonces')).rows, [{ address: '0xabc', nonce: '12.5' }])
  })

  t.test('two provider processes with one PostgreSQL accept each signed request once', async t => {
    await postgresNonceStore(pool).createTable()
    await checkSharedBetweenProcesses(t, { NONCE_POSTGRES: JSON.stringify(server) })
  })
}

t.test('postgresNonceStore checks what it is given', async t => {
  t.throws(() => postgresNonceStore({} as never), { code: 'FST_COMPUTE_INVALID_OPTION', message: /postgresNonceStore needs a pg Pool/ })
  for (const table of ['nonces; DROP TABLE x', '"quoted"', 'a.b.c', '1abc', 7]) {
    t.throws(() => postgresNonceStore({ query: async () => ({ rows: [], rowCount: 0 }) }, { table: table as never }), { message: /table must be an SQL identifier/ }, String(table))
  }
})
