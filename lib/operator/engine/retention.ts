import { rm } from 'node:fs/promises'
import { jobLayout } from './layout.js'
import { isFinal } from './lifecycle.js'
import type { JobStore } from './job-store.js'
import { unixNow, type JobRecord } from './record.js'

// How often, at most, finished jobs are looked at: a job's folder goes within this of its time.
const SWEEP_SECONDS = 60

/**
 * Deletes the folders of jobs finished more than `seconds` ago (their outputs, logs and
 * inputs), and marks their records `expired`, without results. The records stay: a
 * consumer asking later learns that the results were deleted, and when.
 */
export class Retention {
  private timer: NodeJS.Timeout | undefined
  private sweeping: Promise<void> | undefined

  /** `deleted` is told each job whose folder went (the engine's disk budget gets its bytes back). */
  constructor (private readonly seconds: number, private readonly deleted: (jobId: string) => void = () => {}) {}

  /** Unix seconds when a finished job's folder is (or was) deleted; undefined while it runs. */
  expires (record: JobRecord): number | undefined {
    return record.dateFinished === null ? undefined : record.dateFinished + this.seconds
  }

  /** Sweeps now, then every minute (or every `seconds`, when shorter), until `stop`. */
  start (dataDir: string, store: JobStore): void {
    const sweep = () => { this.sweeping ??= this.sweep(dataDir, store).finally(() => { this.sweeping = undefined }) }
    sweep()
    this.timer = setInterval(sweep, Math.min(this.seconds, SWEEP_SECONDS) * 1000).unref()
  }

  /** Stops sweeping; waits for a sweep under way. */
  async stop (): Promise<void> {
    clearInterval(this.timer)
    await this.sweeping
  }

  /** Deletes what is due now. A folder that cannot be deleted is tried again at the next sweep. */
  async sweep (dataDir: string, store: JobStore, now = unixNow()): Promise<void> {
    for (const record of store.all()) {
      const expires = this.expires(record)
      if (record.expired === true || !isFinal(record.status) || expires === undefined || expires > now) continue
      try {
        await rm(jobLayout(dataDir, record.jobId).dir, { recursive: true, force: true })
        await store.save(record, { results: [], expired: true })
        this.deleted(record.jobId)
      } catch {}
    }
  }
}
