import t, { type Test } from 'tap'
import { randomBytes } from 'node:crypto'
import { subscribe, unsubscribe } from 'node:diagnostics_channel'
import type { AddressInfo } from 'node:net'
import Fastify, { type FastifyRequest } from 'fastify'
import rateLimit from '@fastify/rate-limit'
import { Client } from 'undici'
import compute, { CHANNELS, personalSignVerifier } from '../../lib/index.js'
import { clientKey, limitPerConsumer, registerRateLimit } from '../../examples/rate-limit.js'
import { MemoryOperator } from '../helpers/memory-operator.js'
import { alice, bob, sign } from '../helpers/sign.js'

const URL_PATH = '/api/v1/services/compute'
const FLOOD = 600
const PER_CLIENT = 100

/** Counts signature recoveries while the test runs. */
function recoveries (t: Test): { count: number } {
  const seen = { count: 0 }
  const listener = () => { seen.count++ }
  subscribe(CHANNELS.signature, listener)
  t.teardown(() => { unsubscribe(CHANNELS.signature, listener) })
  return seen
}

/** A forged status request: a fresh address each time and a well-formed signature of nobody's. */
function forgedPath (): string {
  const address = '0x' + randomBytes(20).toString('hex')
  return `${URL_PATH}?consumerAddress=${address}&signature=0x${randomBytes(64).toString('hex')}1b`
}

/**
 * A server on loopback with `register` in front of the plugin. The attacker (from 127.0.0.1)
 * sends FLOOD forged requests, 20 at a time, while a legitimate consumer (from 127.0.0.2)
 * polls its status 10 times. Answers the status codes each got.
 */
async function flood (t: Test, register: (app: ReturnType<typeof Fastify>) => Promise<void>) {
  const app = Fastify()
  await register(app)
  await app.register(compute, { prefix: '/api/v1/services', operator: new MemoryOperator(), verifier: personalSignVerifier({ cacheSize: 0 }), requireSignedStatus: true })
  await app.listen({ port: 0, host: '127.0.0.1' })
  t.teardown(async () => await app.close())
  const origin = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`
  const attacker = new Client(origin, { localAddress: '127.0.0.1', connections: 20 } as Client.Options)
  const consumer = new Client(origin, { localAddress: '127.0.0.2' } as Client.Options)
  t.teardown(async () => { await attacker.close(); await consumer.close() })
  const attacks: number[] = []
  let sent = 0
  const worker = async () => {
    while (sent++ < FLOOD) {
      const { statusCode, body } = await attacker.request({ method: 'GET', path: forgedPath() })
      await body.dump()
      attacks.push(statusCode)
    }
  }
  const legit: number[] = []
  const signature = await sign(alice)
  const polling = async () => {
    for (let i = 0; i < 10; i++) {
      const { statusCode, body } = await consumer.request({ method: 'GET', path: `${URL_PATH}?consumerAddress=${alice.address}&signature=${signature}` })
      await body.dump()
      legit.push(statusCode)
    }
  }
  await Promise.all([...Array.from({ length: 20 }, worker), polling()])
  return { attacks, legit }
}

const count = (codes: number[], code: number) => codes.filter(c => c === code).length

t.test('keyed on the client address, a flood of forged signatures is refused 429 before any recovery, and a legitimate client is served', async t => {
  const recovered = recoveries(t)
  const { attacks, legit } = await flood(t, async app => { await registerRateLimit(app, { perClient: PER_CLIENT }) })
  t.equal(count(attacks, 401), PER_CLIENT, 'the client address\'s budget is spent on recoveries')
  t.equal(count(attacks, 429), FLOOD - PER_CLIENT, 'the rest is refused unchecked')
  t.same(legit, Array(10).fill(200), 'the legitimate client from another address is served throughout')
  t.equal(recovered.count, PER_CLIENT + 10, 'recoveries: the attacker\'s budget and the consumer\'s requests, no more')
})

t.test('the old recipe, keyed on consumerAddress, never limits a flood with a fresh address per request', async t => {
  const recovered = recoveries(t)
  const consumerKey = (request: FastifyRequest) => String((request.query as { consumerAddress?: unknown }).consumerAddress).toLowerCase()
  const { attacks } = await flood(t, async app => { await app.register(rateLimit, { max: PER_CLIENT, timeWindow: 60_000, hook: 'preHandler', keyGenerator: consumerKey }) })
  t.equal(count(attacks, 401), FLOOD, 'every forged request cost a recovery, none was limited')
  t.ok(recovered.count >= FLOOD)
})

t.test('the client key: IPv4 as it is, IPv6 by its /64, IPv4-mapped IPv6 as IPv4', async t => {
  t.equal(clientKey('203.0.113.7'), '203.0.113.7')
  t.equal(clientKey('::ffff:203.0.113.7'), '203.0.113.7')
  t.equal(clientKey('2001:db8:1:2:3:4:5:6'), '2001:db8:1:2::/64')
  t.equal(clientKey('2001:0db8:0001:0002::9'), '2001:db8:1:2::/64', 'every address of a /64 is one client')
  t.equal(clientKey('2001:db8::1'), '2001:db8:0:0::/64')
  t.equal(clientKey('fe80::1%eth0'), 'fe80:0:0:0::/64')
  t.equal(clientKey('::1'), '0:0:0:0::/64')
  t.not(clientKey('2001:db8:1:3::1'), clientKey('2001:db8:1:2::1'), 'another /64 is another client')
})

t.test('after the signature, each verified consumer has its own budget, and forgeries in its name do not spend it', async t => {
  const app = Fastify()
  const verifier = limitPerConsumer(personalSignVerifier(), { perConsumer: 3 })
  await app.register(compute, { prefix: '/api/v1/services', operator: new MemoryOperator(), verifier, requireSignedStatus: true })
  const status = async (account: typeof alice, signature?: string) => await app.inject({
    method: 'GET', url: URL_PATH, query: { consumerAddress: account.address, signature: signature ?? await sign(account) }
  })
  for (let i = 0; i < 5; i++) t.equal((await status(alice, '0x' + '1'.repeat(130))).statusCode, 401, 'a forgery in alice\'s name')
  for (let i = 0; i < 3; i++) t.equal((await status(alice)).statusCode, 200)
  const limited = await status(alice)
  t.equal(limited.statusCode, 429)
  t.match(limited.json(), { error: /3 signed requests a minute per consumer; retry in \d+ s/ })
  t.equal((await status(bob)).statusCode, 200, 'another consumer has its own budget')
})
