import t, { type Test } from 'tap'
import Fastify from 'fastify'
import pg from 'pg'
import compute, { postgresNonceStore, type PostgresNonceClient } from '../../../lib/index.js'
import { MemoryOperator } from '../../helpers/memory-operator.js'
import { fakePostgres } from '../../helpers/fake-postgres.js'
import { startPostgres } from '../../helpers/postgres.js'
import { spawnScript } from '../../helpers/process.js'
import { until } from '../../helpers/until.js'
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

  t.test('a missing table is refused at registration, and one dropped later is named in the log', async t => {
    await missingTable(t, pool, async () => { await pool.query('DROP TABLE missing_nonces') })
  })

  t.test('the in-process stand-in answers as PostgreSQL does', async t => {
    const fake = fakePostgres()
    const answers = async (client: PostgresNonceClient) => {
      const store = postgresNonceStore(client, { table: 'probe_nonces' })
      const seen: unknown[] = [await store.ready().catch((err: Error) => err.message)]
      await store.createTable()
      seen.push(await store.ready(), await store.get('0xa'), await store.advance('0xa', '2.5'), await store.advance('0xa', '2.25'), await store.get('0xa'))
      seen.push(await client.query('SELECT nonce::text AS nonce FROM nowhere WHERE address = $1', ['0xa']).catch((err: { code: string, message: string }) => [err.code, err.message]))
      return seen
    }
    t.same(await answers(fake), await answers(pool))
  })

  t.test('createTable() run by several processes at once: each creates or finds every table, none fails', async t => {
    const TABLES = 40
    const processes = Array.from({ length: 3 }, () => spawnScript('test/helpers/create-tables.ts', { NONCE_POSTGRES: JSON.stringify(server), TABLES: String(TABLES) }))
    t.teardown(() => { for (const child of processes) child.kill('SIGKILL') })
    await Promise.all(processes.map(async child => await until(() => {
      if (child.exitCode !== null) throw new Error(`a process exited: ${child.output()}`)
      return child.output().includes('connected') || undefined
    }, 'each process to connect', 90_000, 50)))
    for (const child of processes) child.stdin!.end('go\n')
    await Promise.all(processes.map(async child => await until(() => child.exitCode ?? undefined, 'each process to end', 90_000, 50)))
    t.same(processes.map(child => child.output().trim().split('\n').pop()), ['created', 'created', 'created'])
    const { rows } = await pool.query("SELECT count(*)::int AS n FROM pg_tables WHERE tablename LIKE 'nonces\\_%'")
    t.equal(rows[0].n, TABLES)
  })

  t.test('two provider processes with one PostgreSQL accept each signed request once', async t => {
    await postgresNonceStore(pool).createTable()
    await checkSharedBetweenProcesses(t, { NONCE_POSTGRES: JSON.stringify(server) })
  })
}

/** What a host sees of a missing table: registration refused, saying so; a table dropped later is named in the log. */
async function missingTable (t: Test, pool: PostgresNonceClient, drop: () => Promise<void>): Promise<void> {
  const message = 'fastify-ocean-compute: postgresNonceStore: the table missing_nonces does not exist; call createTable() before registering the plugin, or create it in your migrations'
  const refused = Fastify()
  refused.register(compute, { operator: new MemoryOperator(), nonceStore: postgresNonceStore(pool, { table: 'missing_nonces' }) })
  await t.rejects(async () => { await refused.ready() }, { code: 'FST_COMPUTE_INVALID_OPTION', message })

  const logged: string[] = []
  const store = postgresNonceStore(pool, { table: 'missing_nonces' })
  await store.createTable()
  const app = Fastify({ logger: { level: 'error', stream: { write: (line: string) => { logged.push(line) } } } })
  app.register(compute, { operator: new MemoryOperator(), nonceStore: store })
  await app.ready()
  t.teardown(async () => await app.close())
  await drop()
  const res = await app.inject({ method: 'GET', url: '/nonce', query: { userAddress: '0x' + 'a'.repeat(40) } })
  t.equal(res.statusCode, 503)
  t.ok(logged.some(line => line.includes(message)), 'the log says the table is missing')
}

t.test('in-process (a stand-in for PostgreSQL): nonces exact, greater-only, atomic; a missing table says so', async t => {
  const pool = fakePostgres()
  const store = postgresNonceStore(pool)
  await store.createTable()
  await store.createTable()
  await checkNonceStore(t, store)
  await missingTable(t, pool, async () => { pool.tables.delete('missing_nonces') })
})

t.test('postgresNonceStore checks what it is given', async t => {
  t.throws(() => postgresNonceStore({} as never), { code: 'FST_COMPUTE_INVALID_OPTION', message: /postgresNonceStore needs a pg Pool/ })
  for (const table of ['nonces; DROP TABLE x', '"quoted"', 'a.b.c', '1abc', 7]) {
    t.throws(() => postgresNonceStore({ query: async () => ({ rows: [], rowCount: 0 }) }, { table: table as never }), { message: /table must be an SQL identifier/ }, String(table))
  }
})
