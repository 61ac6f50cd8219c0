import { Clock } from 'clock-mock'
import type { Test } from 'tap'

/**
 * A mock clock for `t` (clock-mock, what tap's t.clock uses): timers, Date and
 * performance.now() move only when the test advances it, so a verdict never depends on
 * the machine's speed. `advance(ms)` goes a millisecond at a time: each timer fires at its
 * own time, as on the event loop (clock-mock fires all it passes at the end of a step).
 */
export function mockClock (t: Test): { advance: (ms: number) => void } {
  const clock = new Clock()
  t.teardown(clock.enter())
  return { advance: ms => { for (let i = 0; i < ms; i++) clock.advance(1) } }
}
