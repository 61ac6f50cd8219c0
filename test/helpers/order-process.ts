// A provider process of its own for the shared order-use tests: chainOrders with a limit
// of one job per order, against the anvil at ORDER_RPC_URL, counting uses on the Redis
// (ORDER_USES_REDIS) or PostgreSQL (ORDER_USES_POSTGRES, JSON of pg's options) the test
// started. POST an OrderToCheck as JSON: it answers the verdict. Prints `listening <url>`.
// It runs the built package, as replay-provider.ts does, to start in a second.
import { createServer } from 'node:http'
import { once } from 'node:events'
import { Redis } from 'ioredis'
import pg from 'pg'
import { chainOrders, type OrderToCheck } from 'fastify-ocean-compute'

const redisUrl = process.env.ORDER_USES_REDIS
const uses = redisUrl !== undefined ? new Redis(redisUrl) : new pg.Pool(JSON.parse(process.env.ORDER_USES_POSTGRES!) as pg.PoolConfig)
const verifier = chainOrders({ rpcUrl: process.env.ORDER_RPC_URL!, confirmations: 0, jobsPerOrder: 1, uses })

const server = createServer((req, res) => {
  let body = ''
  req.on('data', chunk => { body += String(chunk) })
  req.on('end', () => {
    verifier.verify(JSON.parse(body) as OrderToCheck, { signal: AbortSignal.timeout(30_000) }).then(
      verdict => { res.end(JSON.stringify({ valid: verdict.valid })) },
      (err: Error) => { res.statusCode = 503; res.end(JSON.stringify({ error: err.message })) })
  })
}).listen(0, '127.0.0.1')
await once(server, 'listening')
console.log(`listening http://127.0.0.1:${(server.address() as { port: number }).port}`)
