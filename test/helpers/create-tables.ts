// A provider process's start, for the test of createTable() run by several processes at
// once: connects to the PostgreSQL of NONCE_POSTGRES (JSON of pg's connection options),
// waits for a line on stdin so that every process starts together, then creates the
// tables nonces_0 .. nonces_<TABLES - 1> in turn. Prints `created` or the first error.
// It runs the built package, as replay-provider.ts does.
import { once } from 'node:events'
import pg from 'pg'
import { postgresNonceStore } from 'fastify-ocean-compute'

const pool = new pg.Pool({ ...JSON.parse(process.env.NONCE_POSTGRES!) as pg.PoolConfig, max: 1 })
await pool.query('SELECT 1')
console.log('connected')
await once(process.stdin, 'data')
try {
  for (let i = 0; i < Number(process.env.TABLES); i++) await postgresNonceStore(pool, { table: `nonces_${i}` }).createTable()
  console.log('created')
} catch (err) {
  console.log(`failed: ${(err as Error).message}`)
  process.exitCode = 1
} finally {
  await pool.end()
}
