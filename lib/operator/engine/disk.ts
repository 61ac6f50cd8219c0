import type { ResultEntry } from './record.js'

/**
 * What an engine's jobs hold on its disk in outputs and logs, against `maxDiskBytes`
 * (0: no cap): a finished job by its results, a running one as last measured. So jobs
 * together cannot fill the provider's disk, however each keeps within its own caps.
 */
export class DiskUse {
  private readonly held = new Map<string, number>()
  private total = 0

  constructor (readonly maxBytes: number) {}

  /** Sets what job `jobId` holds; answers true when the engine is then over its budget. */
  hold (jobId: string, bytes: number): boolean {
    this.total += bytes - (this.held.get(jobId) ?? 0)
    this.held.set(jobId, bytes)
    return this.maxBytes > 0 && this.total > this.maxBytes
  }

  release (jobId: string): void {
    this.hold(jobId, 0)
    this.held.delete(jobId)
  }

  /** True when less than `bytes` is left: a new job, which may leave that much, must wait. */
  hasNoRoomFor (bytes: number): boolean {
    return this.maxBytes > 0 && this.total + bytes > this.maxBytes
  }
}

/** The bytes of a job's results. */
export function bytesOf (results: readonly ResultEntry[]): number {
  return results.reduce((sum, result) => sum + result.filesize, 0)
}
