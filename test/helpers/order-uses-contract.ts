import { randomBytes } from 'node:crypto'
import type { Test } from 'tap'
import type { OrderUseStore } from '../../lib/index.js'

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
