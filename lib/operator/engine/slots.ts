import { ConsumerLimitError } from '../../errors.js'

/** What a consumer has in the engine. */
interface Consumer {
  /** Jobs admitted and not yet ended: queued or holding a slot. */
  jobs: number
  /** Jobs holding a slot. */
  running: number
  /** When it last got a slot (a count of grants), 0 if never: the one served longest ago goes first. */
  served: number
  /** Its jobs waiting for a slot, first come first. */
  waiting: Array<() => void>
}

/** How the engine shares its slots among consumers (`maxJobsPerConsumer`, `consumerLimit`). */
export interface SlotOptions {
  /** Slots: jobs that run at once. */
  size: number
  /** A consumer's jobs queued and running. */
  perConsumer: number
  /** Beyond `perConsumer`: refuse the start (429), or accept it and run at most `perConsumer` at once. */
  whenFull: 'refuse' | 'wait'
}

/**
 * A counting semaphore of `size` slots shared fairly among consumers: when a slot frees,
 * it goes to the waiting consumer with the fewest jobs running, and among those to the
 * one served longest ago, so one consumer's hundred jobs queue behind the single jobs of
 * the others rather than ahead of them. Each job of a consumer is admitted first (and
 * refused past the limit) and leaves when it ends. A waiter whose signal aborts leaves
 * the queue; `acquire` then rejects with the signal's reason.
 */
export class Slots {
  private free: number
  private grants = 0
  private queue = 0
  private readonly consumers = new Map<string, Consumer>()

  constructor (private readonly options: SlotOptions) {
    this.free = options.size
  }

  /** Jobs waiting for a slot. */
  get queued (): number {
    return this.queue
  }

  /** Jobs holding a slot. */
  get running (): number {
    return this.options.size - this.free
  }

  /**
   * Counts a new job of `owner`, synchronously, so that concurrent starts cannot pass the
   * limit together. Throws the 429 when the owner is at the limit and the engine refuses.
   */
  admit (owner: string): void {
    const consumer = this.consumer(owner)
    const { perConsumer, whenFull } = this.options
    if (whenFull === 'refuse' && consumer.jobs >= perConsumer) throw new ConsumerLimitError(perConsumer)
    consumer.jobs++
  }

  /** Forgets an admitted job that never got a slot (ended while queued, or never recorded). */
  leave (owner: string): void {
    const consumer = this.consumer(owner)
    consumer.jobs--
    this.forget(owner, consumer)
  }

  async acquire (owner: string, signal: AbortSignal): Promise<void> {
    signal.throwIfAborted()
    const consumer = this.consumer(owner)
    // A free slot with jobs waiting is one their consumers may not take (at their limit).
    if (this.free > 0 && consumer.running < this.options.perConsumer && consumer.waiting.length === 0) {
      this.grant(consumer)
      return
    }
    await new Promise<void>((resolve, reject) => {
      const granted = () => {
        signal.removeEventListener('abort', aborted)
        resolve()
      }
      const aborted = () => {
        consumer.waiting.splice(consumer.waiting.indexOf(granted), 1)
        this.queue--
        reject(signal.reason)
      }
      consumer.waiting.push(granted)
      this.queue++
      signal.addEventListener('abort', aborted, { once: true })
    })
  }

  /** Admits and gives a slot at once, even past `size`: for a job that is already running (found after a restart). */
  take (owner: string): void {
    const consumer = this.consumer(owner)
    consumer.jobs++
    this.grant(consumer)
  }

  /** Frees the slot of a job of `owner` that ended, and hands slots to the next in turn. */
  release (owner: string): void {
    const consumer = this.consumer(owner)
    consumer.running--
    consumer.jobs--
    this.free++
    this.forget(owner, consumer)
    for (let next = this.next(); next !== undefined && this.free > 0; next = this.next()) {
      this.queue--
      this.grant(next)
      next.waiting.shift()!()
    }
  }

  private grant (consumer: Consumer): void {
    this.free--
    consumer.running++
    consumer.served = ++this.grants
  }

  /** The waiting consumer to serve next: fewest running, then served longest ago. */
  private next (): Consumer | undefined {
    let best: Consumer | undefined
    for (const consumer of this.consumers.values()) {
      if (consumer.waiting.length === 0 || consumer.running >= this.options.perConsumer) continue
      if (best === undefined || consumer.running < best.running || (consumer.running === best.running && consumer.served < best.served)) best = consumer
    }
    return best
  }

  private consumer (owner: string): Consumer {
    const key = owner.toLowerCase()
    let consumer = this.consumers.get(key)
    if (consumer === undefined) {
      consumer = { jobs: 0, running: 0, served: 0, waiting: [] }
      this.consumers.set(key, consumer)
    }
    return consumer
  }

  // A consumer with nothing in the engine is dropped: a flood of addresses leaves no trace.
  private forget (owner: string, consumer: Consumer): void {
    if (consumer.jobs === 0) this.consumers.delete(owner.toLowerCase())
  }
}
