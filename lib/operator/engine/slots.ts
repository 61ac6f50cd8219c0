/**
 * A counting semaphore with a first-come queue: at most `size` holders at once.
 * A waiter whose signal aborts leaves the queue; `acquire` then rejects with the
 * signal's reason.
 */
export class Slots {
  private free: number
  private readonly waiting: Array<() => void> = []

  constructor (size: number) {
    this.free = size
  }

  async acquire (signal: AbortSignal): Promise<void> {
    signal.throwIfAborted()
    if (this.free > 0) {
      this.free--
      return
    }
    await new Promise<void>((resolve, reject) => {
      const granted = () => {
        signal.removeEventListener('abort', aborted)
        resolve()
      }
      const aborted = () => {
        this.waiting.splice(this.waiting.indexOf(granted), 1)
        reject(signal.reason)
      }
      this.waiting.push(granted)
      signal.addEventListener('abort', aborted, { once: true })
    })
  }

  /** Takes a slot at once, even past `size`: for a job that is already running (found after a restart). */
  take (): void {
    this.free--
  }

  release (): void {
    const next = this.waiting.shift()
    if (next === undefined) this.free++
    else next()
  }
}
