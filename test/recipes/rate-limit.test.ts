import t from 'tap'
import Fastify, { type FastifyRequest } from 'fastify'
import rateLimit from '@fastify/rate-limit'
import compute from '../../lib/index.js'
import { MemoryOperator } from '../helpers/memory-operator.js'
import { alice, bob, sign } from '../helpers/sign.js'

// The README's recipe: limit each consumer, not each IP. With `hook: 'preHandler'`
// the key is read after the plugin has put the parameters, from the query or the
// body, in request.query.
export function consumerKey (request: FastifyRequest): string {
  const address = (request.query as { consumerAddress?: unknown }).consumerAddress
  return typeof address === 'string' ? address.toLowerCase() : request.ip
}

t.test('@fastify/rate-limit keyed by consumer address limits each consumer on its own', async t => {
  const app = Fastify()
  await app.register(rateLimit, { max: 3, timeWindow: 60_000, hook: 'preHandler', keyGenerator: consumerKey })
  await app.register(compute, { prefix: '/api/v1/services', operator: new MemoryOperator() })
  const status = async (account: typeof alice, remoteAddress: string, asBody = false) => {
    const params = { consumerAddress: account.address, signature: await sign(account) }
    return await app.inject(asBody
      ? { method: 'PUT', url: '/api/v1/services/compute', payload: params, remoteAddress }
      : { method: 'GET', url: '/api/v1/services/compute', query: params, remoteAddress })
  }
  t.equal((await status(alice, '127.0.0.1')).statusCode, 200)
  t.equal((await status(alice, '127.0.0.2')).statusCode, 200)
  t.equal((await status(alice, '127.0.0.3', true)).statusCode, 200, 'a body counts for the same consumer')
  const limited = await status(alice, '127.0.0.4')
  t.equal(limited.statusCode, 429, 'a new IP does not reset the consumer\'s budget')
  t.type(limited.json().error, 'string')
  t.ok(limited.headers['retry-after'])
  t.equal((await status(bob, '127.0.0.4')).statusCode, 200, 'another consumer has its own budget')
})
