import { setTimeout as sleep } from 'node:timers/promises'

// The real clock, taken before any test mocks it (test/helpers/clock.ts replaces the global
// Date and setTimeout, not node:timers/promises): a test that moves a job's time limit by
// hand still waits for its real processes in real time.
const { now } = Date

/** Polls `check` until it answers something other than undefined, or fails after `ms` (real time). */
export async function until<T> (check: () => T | undefined | Promise<T | undefined>, what: string, ms = 30_000, every = 25): Promise<T> {
  const deadline = now() + ms
  for (;;) {
    const found = await check()
    if (found !== undefined) return found
    if (now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await sleep(every)
  }
}
