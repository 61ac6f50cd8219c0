import { randomBytes } from 'node:crypto'
import type { Test } from 'tap'
import Fastify from 'fastify'
import compute, { chainOrders, hostResolver, postgresOrderUses, type OrderUseStore, type PostgresOrderUseClient } from '../../lib/index.js'
import { PROVIDER_KEY } from './ddos.js'
import { MemoryOperator } from './memory-operator.js'

const freshOrder = () => '0x' + randomBytes(32).toString('hex') + ':0x' + randomBytes(20).toString('hex')

/** What every OrderUseStore must do, whatever keeps the counts: a limit per order, atomic, with uses given back. */
export async function checkOrderUses (t: Test, store: OrderUseStore): Promise<void> {
  const order = freshOrder()
  t.equal(await store.take(order, 2), true, 'a first use')
  t.equal(await store.take(order, 2), true, 'a second, with a limit of 2')
  t.equal(await store.take(order, 2), false, 'not a third')
  await store.release(order)
  t.equal(await store.take(order, 2), true, 'a use given back can be taken again')
  t.equal(await store.take(order, 2), false)
  t.equal(await store.take(order, 3), true, 'the limit is the caller\'s: a host that raises it allows more')
  t.equal(await store.take(freshOrder(), 1), true, 'each order has its own count')

  const never = freshOrder()
  await store.release(never)
  t.equal(await store.take(never, 1), true, 'releasing an order never used gives nothing: still one use')
  t.equal(await store.take(never, 1), false)

  const raced = freshOrder()
  const answers = await Promise.all(Array.from({ length: 100 }, async () => await store.take(raced, 1, Date.now() + 3_600_000)))
  t.equal(answers.filter(Boolean).length, 1, 'of 100 concurrent takes with a limit of 1 exactly one succeeds')
  const five = freshOrder()
  const fives = await Promise.all(Array.from({ length: 100 }, async () => await store.take(five, 5)))
  t.equal(fives.filter(Boolean).length, 5, 'and with a limit of 5, five')
}

/**
 * What a host sees of postgresOrderUses without its table: registration refused, saying so
 * (not a 503 at the first paid start); a table dropped later is named by the store's calls.
 */
export async function missingOrderUsesTable (t: Test, pool: PostgresOrderUseClient, drop: () => Promise<void>): Promise<void> {
  const message = 'fastify-ocean-compute: postgresOrderUses: the table missing_uses does not exist; call createTable() before registering the plugin, or create it in your migrations'
  // The chain is never asked at registration.
  const client = { request: async () => { throw new Error('no chain here') } }
  const register = async (uses: OrderUseStore) => {
    const app = Fastify()
    t.teardown(async () => await app.close())
    app.register(compute, {
      operator: new MemoryOperator(),
      terms: { resolver: hostResolver([]), privateKey: PROVIDER_KEY, orders: chainOrders({ client, jobsPerOrder: 1, uses }) }
    })
    await app.ready()
  }
  await t.rejects(register(postgresOrderUses(pool, { table: 'missing_uses' })), { code: 'FST_COMPUTE_INVALID_OPTION', message }, 'a store')

  const store = postgresOrderUses(pool, { table: 'missing_uses' })
  await store.createTable()
  await register(store)
  await drop()
  await t.rejects(async () => await store.take('0xabc', 1), { code: 'FST_COMPUTE_INVALID_OPTION', message }, 'a table dropped while serving: take says so')
  await t.rejects(async () => { await store.release('0xabc') }, { message }, 'and release')
}
