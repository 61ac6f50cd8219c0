/** What a deadline ends: told once its time is up, unless it ended first. */
export interface Expiring {
  expire (timeout: number): void
}

/** One call's place in the list of its Deadlines. */
export class Deadline {
  prev: Deadline | undefined = undefined
  next: Deadline | undefined = undefined
  constructor (readonly call: Expiring, readonly at: number) {}
}

// Timers run on the event loop's whole-millisecond clock, so one may fire up to a
// millisecond early: a deadline that close is due, rather than a reason to set the timer again.
const SLACK = 1

/**
 * The deadlines of one plugin instance's operator calls. They all share its
 * operatorTimeout, so they fall due in the order the calls began: the calls in flight
 * are a list in that order, and one timer, set for the first of them, serves them all.
 * A call that ends leaves the list at once, so nothing of it is kept. Cheaper than a Node
 * timer per call, set and cleared: `npx tsx bench/operator-call.ts` times both.
 */
export class Deadlines {
  #first: Deadline | undefined
  #last: Deadline | undefined
  #timer: NodeJS.Timeout | undefined

  constructor (readonly timeout: number) {}

  /** Starts `call`'s deadline: `call.expire(timeout)` once `timeout` ms have passed, unless ended before. */
  start (call: Expiring): Deadline {
    const deadline = new Deadline(call, performance.now() + this.timeout)
    const last = this.#last
    deadline.prev = last
    this.#last = deadline
    if (last !== undefined) {
      last.next = deadline
      return deadline
    }
    this.#first = deadline
    // A timer already set is left set, even if the call it was set for has ended: when it
    // fires, it is set again for whichever call is first by then. It keeps the process up
    // only while a call is in flight, as a timer per call would.
    if (this.#timer === undefined) this.#arm(this.timeout)
    else this.#timer.ref()
    return deadline
  }

  /** Takes `deadline` out of the list; a deadline already out stays out. */
  end (deadline: Deadline): void {
    const { prev, next } = deadline
    if (prev !== undefined) prev.next = next
    else if (this.#first === deadline) this.#first = next
    else return
    if (next !== undefined) next.prev = prev
    else this.#last = prev
    deadline.prev = deadline.next = undefined
    if (this.#first === undefined) this.#timer?.unref()
  }

  #arm (delay: number): void {
    this.#timer = setTimeout(() => { this.#fire() }, delay)
  }

  #fire (): void {
    this.#timer = undefined
    const now = performance.now()
    let first = this.#first
    while (first !== undefined && first.at <= now + SLACK) {
      this.end(first)
      first.call.expire(this.timeout)
      first = this.#first
    }
    // Unless an expired call's abort started another call, which set the timer already.
    if (first !== undefined && this.#timer === undefined) this.#arm(first.at - now)
  }
}
