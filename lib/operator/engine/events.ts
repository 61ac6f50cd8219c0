import { channels, type JobMessage } from '../../channels.js'
import type { JobRecord } from './record.js'
import type { Slots } from './slots.js'

/**
 * Publishes a job's change of state on the job channel, when anyone listens. `started`
 * is when it left the queue (ms since the epoch), if it did.
 */
export function publishJob (engine: string, record: JobRecord, state: JobMessage['state'], slots: Slots, started?: number): void {
  if (!channels.job.hasSubscribers) return
  const message: JobMessage = {
    engine,
    jobId: record.jobId,
    owner: record.owner,
    state,
    status: record.status,
    queued: slots.queued,
    running: slots.running
  }
  if (state !== 'queued') {
    const now = Date.now()
    message.waited = Math.max(0, Math.round((started ?? now) - record.dateCreated * 1000))
    if (state === 'finished') {
      message.duration = started === undefined ? 0 : now - started
      message.stopreq = record.stopreq
      message.outputBytes = record.results.reduce((sum, result) => result.type === 'output' ? sum + result.filesize : sum, 0)
    }
  }
  channels.job.publish(message)
}
