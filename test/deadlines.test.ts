import t from 'tap'
import { setTimeout as sleep } from 'node:timers/promises'
import { Deadlines, type Expiring } from '../lib/deadlines.js'

// A call that records when, and with which timeout, its deadline came.
function call (started = performance.now()) {
  const seen: { at?: number, timeout?: number } = {}
  const expiring: Expiring = { expire (timeout) { seen.at = performance.now() - started; seen.timeout = timeout } }
  return { expiring, seen }
}

t.test('calls expire in the order they began, each near its own deadline, whichever ended before', async t => {
  const deadlines = new Deadlines(100)
  const started = performance.now()
  const first = call(started)
  deadlines.start(first.expiring)
  await sleep(30)
  const second = call()
  const ended = deadlines.start(second.expiring)
  await sleep(30)
  const third = call()
  deadlines.start(third.expiring)
  deadlines.end(ended)
  await sleep(250)
  t.equal(first.seen.timeout, 100, 'told its timeout')
  t.same(second.seen, {}, 'the call that ended was not expired')
  // Each from its own start; timers may fire up to a millisecond early (SLACK).
  t.ok(first.seen.at! >= 98 && first.seen.at! < 200, `the first expired at ${first.seen.at} ms`)
  t.ok(third.seen.at! >= 98 && third.seen.at! < 200, `the third expired at ${third.seen.at} ms of its own`)
  t.ok(third.seen.at! + 60 > first.seen.at!, 'the third after the first')
})

t.test('ending a deadline twice, or after it came, leaves the others as they were', async t => {
  const deadlines = new Deadlines(40)
  const a = call()
  const b = call()
  const c = call()
  const first = deadlines.start(a.expiring)
  const middle = deadlines.start(b.expiring)
  const last = deadlines.start(c.expiring)
  deadlines.end(middle)
  deadlines.end(middle)
  deadlines.end(first)
  await sleep(100)
  t.same([a.seen, b.seen], [{}, {}], 'ended calls were not expired')
  t.equal(c.seen.timeout, 40, 'the last call expired')
  // A call ends after its deadline came, as every expired operator call does.
  deadlines.end(last)
  const d = call()
  deadlines.start(d.expiring)
  await sleep(100)
  t.equal(d.seen.timeout, 40, 'a later call still expires')
})

t.test('a deadline starts its timer again after the list ran empty', async t => {
  const deadlines = new Deadlines(20)
  const early = call()
  deadlines.end(deadlines.start(early.expiring))
  await sleep(60)
  const late = call()
  deadlines.start(late.expiring)
  await sleep(60)
  t.same(early.seen, {})
  t.ok(late.seen.at! >= 18 && late.seen.at! < 150, `expired at ${late.seen.at} ms`)
})

t.test('the timer keeps the process up while a call is in flight, and only then', async t => {
  const timers = () => process.getActiveResourcesInfo().filter(name => name === 'Timeout').length
  const before = timers()
  const deadlines = new Deadlines(60_000)
  const first = deadlines.start(call().expiring)
  const second = deadlines.start(call().expiring)
  t.equal(timers(), before + 1, 'one timer for two calls')
  deadlines.end(first)
  t.equal(timers(), before + 1, 'kept while the second is in flight')
  deadlines.end(second)
  t.equal(timers(), before, 'a closed server would otherwise wait out the timeout')
  const third = deadlines.start(call().expiring)
  t.equal(timers(), before + 1, 'the timer left set counts again')
  deadlines.end(third)
})

t.test('a call started while another expires leaves one timer, and expires in its turn', async t => {
  const timers = () => process.getActiveResourcesInfo().filter(name => name === 'Timeout').length
  const before = timers()
  const deadlines = new Deadlines(30)
  const next = call()
  // As when a route, told by an aborted call, starts another call at once.
  deadlines.start({ expire () { deadlines.start(next.expiring) } })
  await sleep(45)
  t.equal(timers(), before + 1, 'one timer for the call in flight')
  await sleep(60)
  t.equal(next.seen.timeout, 30, 'the call started during the expiry expired')
  t.equal(timers(), before, 'and nothing holds the process after it')
})
