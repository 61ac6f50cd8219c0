import t from 'tap'
import { Deadlines, type Expiring } from '../lib/deadlines.js'
import { mockClock } from './helpers/clock.js'

// A call that records when, and with which timeout, its deadline came.
function call (started = performance.now()) {
  const seen: { at?: number, timeout?: number } = {}
  const expiring: Expiring = { expire (timeout) { seen.at = performance.now() - started; seen.timeout = timeout } }
  return { expiring, seen }
}

// Timers and performance.now() on a mock clock: each deadline is checked to the millisecond.
t.test('calls expire in the order they began, each at its own deadline, whichever ended before', async t => {
  const clock = mockClock(t)
  const deadlines = new Deadlines(100)
  const started = performance.now()
  const first = call(started)
  deadlines.start(first.expiring)
  clock.advance(30)
  const second = call()
  const ended = deadlines.start(second.expiring)
  clock.advance(30)
  const third = call()
  deadlines.start(third.expiring)
  deadlines.end(ended)
  clock.advance(39)
  t.same([first.seen, third.seen], [{}, {}], 'not a moment early')
  clock.advance(1)
  t.same(first.seen, { at: 100, timeout: 100 }, 'the first expires at its 100 ms, told its timeout')
  clock.advance(59)
  t.same(third.seen, {}, 'the third not yet: its deadline is its own')
  clock.advance(1)
  t.same(third.seen, { at: 100, timeout: 100 }, 'the third at 100 ms of its own')
  clock.advance(1000)
  t.same(second.seen, {}, 'the call that ended was not expired')
})

t.test('ending a deadline twice, or after it came, leaves the others as they were', async t => {
  const clock = mockClock(t)
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
  clock.advance(40)
  t.same([a.seen, b.seen], [{}, {}], 'ended calls were not expired')
  t.equal(c.seen.timeout, 40, 'the last call expired')
  // A call ends after its deadline came, as every expired operator call does.
  deadlines.end(last)
  const d = call()
  deadlines.start(d.expiring)
  clock.advance(40)
  t.same(d.seen, { at: 40, timeout: 40 }, 'a later call still expires')
})

t.test('a deadline starts its timer again after the list ran empty', async t => {
  const clock = mockClock(t)
  const deadlines = new Deadlines(20)
  const early = call()
  deadlines.end(deadlines.start(early.expiring))
  clock.advance(60)
  const late = call()
  deadlines.start(late.expiring)
  clock.advance(20)
  t.same(early.seen, {})
  t.same(late.seen, { at: 20, timeout: 20 })
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
  // Real timers, since what is counted is Node's: each check waits for an expiry, not for a time.
  const timers = () => process.getActiveResourcesInfo().filter(name => name === 'Timeout').length
  const before = timers()
  const deadlines = new Deadlines(30)
  let nextExpired!: () => void
  const next: Expiring = { expire () { nextExpired() } }
  const nextDone = new Promise<void>(resolve => { nextExpired = resolve })
  // As when a route, told by an aborted call, starts another call at once.
  await new Promise<void>(resolve => deadlines.start({ expire () { deadlines.start(next); resolve() } }))
  t.equal(timers(), before + 1, 'one timer for the call in flight')
  await nextDone
  await new Promise(resolve => setImmediate(resolve)) // the expiry's timer callback has returned
  t.equal(timers(), before, 'the call started during the expiry expired, and nothing holds the process after it')
})
