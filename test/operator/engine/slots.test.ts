import t from 'tap'
import { Slots } from '../../../lib/operator/engine/slots.js'
import { errors } from '../../../lib/index.js'

const signal = () => new AbortController().signal

/** Queues a job of `owner` (admitted first) and records the order in which jobs get their slot. */
function queue (slots: Slots, order: string[], owner: string, aborted = signal()): Promise<void> {
  slots.admit(owner)
  return slots.acquire(owner, aborted).then(() => { order.push(owner) })
}

t.test('a freed slot goes to the waiting consumer served longest ago, not to the first come', async t => {
  const slots = new Slots({ size: 1, perConsumer: 100, whenFull: 'wait' })
  const order: string[] = []
  const waits = [queue(slots, order, 'greedy'), queue(slots, order, 'greedy'), queue(slots, order, 'greedy'), queue(slots, order, 'a'), queue(slots, order, 'b')]
  await waits[0]
  t.same(order, ['greedy'])
  t.equal(slots.queued, 4)
  t.equal(slots.running, 1)
  for (const owner of ['greedy', 'a', 'b', 'greedy']) {
    slots.release(owner)
    await new Promise(resolve => setImmediate(resolve))
  }
  await Promise.all(waits)
  t.same(order, ['greedy', 'a', 'b', 'greedy', 'greedy'], 'a and b, never served, go before greedy\'s second job')
})

t.test('among waiting consumers, the one with fewest running goes first, then the one served longest ago', async t => {
  const slots = new Slots({ size: 3, perConsumer: 100, whenFull: 'wait' })
  const order: string[] = []
  await Promise.all([queue(slots, order, 'a'), queue(slots, order, 'a'), queue(slots, order, 'b')])
  const waits = [queue(slots, order, 'a'), queue(slots, order, 'b')]
  slots.release('b')
  await Promise.race(waits)
  t.same(order.slice(3), ['b'], 'b runs none, a runs two: b goes first though a was served longer ago')
  slots.release('a')
  await Promise.all(waits)
  t.same(order.slice(3), ['b', 'a'])
})

t.test('refuse: a consumer at maxJobsPerConsumer is refused with a 429 naming the limit; others are not', async t => {
  const slots = new Slots({ size: 1, perConsumer: 2, whenFull: 'refuse' })
  slots.admit('0xA')
  slots.admit('0xa')
  const err = t.throws(() => slots.admit('0xA')) as Error & { statusCode: number, code: string }
  t.ok(err instanceof errors.ConsumerLimitError)
  t.equal(err.statusCode, 429)
  t.match(err.message, /already has 2 unfinished jobs[^]*maxJobsPerConsumer/)
  t.doesNotThrow(() => slots.admit('0xb'), 'another consumer has its own count')
  slots.leave('0xa')
  t.doesNotThrow(() => slots.admit('0xA'), 'a job that ended frees its place')
})

t.test('wait: a consumer runs at most maxJobsPerConsumer jobs at once, even with slots free', async t => {
  const slots = new Slots({ size: 3, perConsumer: 1, whenFull: 'wait' })
  const order: string[] = []
  await queue(slots, order, 'a')
  const second = queue(slots, order, 'a')
  await queue(slots, order, 'b')
  t.same(order, ['a', 'b'], 'b takes a free slot while a\'s second waits')
  t.equal(slots.queued, 1)
  slots.release('a')
  await second
  t.same(order, ['a', 'b', 'a'])
})

t.test('a waiter whose signal aborts leaves the queue with the reason', async t => {
  const slots = new Slots({ size: 1, perConsumer: 10, whenFull: 'refuse' })
  const order: string[] = []
  await queue(slots, order, 'a')
  const controller = new AbortController()
  const waiting = queue(slots, order, 'b', controller.signal)
  const after = queue(slots, order, 'c')
  controller.abort('stop')
  await t.rejects(waiting, 'stop' as unknown as Error)
  slots.leave('b')
  t.equal(slots.queued, 1)
  slots.release('a')
  await after
  t.same(order, ['a', 'c'])
  await t.rejects(slots.acquire('d', controller.signal), 'stop' as unknown as Error, 'an aborted signal is refused at once')
})

t.test('take holds a slot past the size for a job found running; consumers with nothing left are forgotten', async t => {
  const slots = new Slots({ size: 1, perConsumer: 10, whenFull: 'refuse' })
  slots.take('a')
  slots.take('b')
  t.equal(slots.running, 2)
  const order: string[] = []
  const waiting = queue(slots, order, 'c')
  slots.release('a')
  t.equal(slots.queued, 1, 'still over the size: c waits')
  slots.release('b')
  await waiting
  t.same(order, ['c'])
  slots.release('c')
  t.equal(slots.running, 0)
  t.equal((slots as unknown as { consumers: Map<string, unknown> }).consumers.size, 0)
})
