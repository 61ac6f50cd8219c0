import { randomBytes } from 'node:crypto'
import { constants } from 'node:fs'
import { access, mkdir, open, readdir, readFile, rename, rm } from 'node:fs/promises'
import { join } from 'node:path'
import type { JobRecord } from './record.js'

// Replaces `file` in one step: a reader (or the next start after a kill) sees the
// old record or the new one, never half of one.
async function writeAtomic (file: string, text: string): Promise<void> {
  const temp = `${file}.${randomBytes(6).toString('hex')}.tmp`
  const handle = await open(temp, 'w')
  try {
    await handle.writeFile(text)
    await handle.sync()
  } finally {
    await handle.close()
  }
  await rename(temp, file)
}

// The record in `file`, or nothing for a file that holds none (someone else's file).
async function readRecord (file: string): Promise<JobRecord[]> {
  let record: Partial<JobRecord> | null = null
  try { record = JSON.parse(await readFile(file, 'utf8')) } catch { return [] }
  const valid = typeof record === 'object' && record !== null && typeof record.jobId === 'string' &&
    typeof record.owner === 'string' && Number.isInteger(record.status) && Array.isArray(record.results)
  return valid ? [record as JobRecord] : []
}

/**
 * The job records, in memory and as one JSON file per job in `dir` (outside the
 * job folders, where algorithms cannot write). Writes of one job happen in the
 * order they were asked for; a write of a job removed meanwhile is dropped.
 */
export class JobStore {
  private readonly records = new Map<string, JobRecord>()
  private readonly writes = new Map<string, Promise<void>>()

  constructor (private readonly dir: string) {}

  /** Reads the records a previous run left, once its folder is found writable. Files that hold no record are left alone. */
  async load (): Promise<void> {
    await mkdir(this.dir, { recursive: true })
    // Found now, not at the first start: a folder it may read but not write (a read-only volume, another owner's).
    await access(this.dir, constants.W_OK)
    const found: JobRecord[] = []
    for (const name of await readdir(this.dir)) {
      const file = join(this.dir, name)
      // A .tmp file is a write cut short: the record it was to replace is intact.
      if (name.endsWith('.tmp')) await rm(file, { force: true })
      else if (name.endsWith('.json')) found.push(...await readRecord(file))
    }
    found.sort((a, b) => a.dateCreated - b.dateCreated || a.jobId.localeCompare(b.jobId))
    for (const record of found) this.records.set(record.jobId, record)
  }

  all (): JobRecord[] {
    return [...this.records.values()]
  }

  /** Writes a new record, then keeps it: a job that could not be recorded does not exist. */
  async add (record: JobRecord): Promise<void> {
    await this.queue(record.jobId, async () => await this.write(record))
    this.records.set(record.jobId, record)
  }

  /**
   * Writes the record with `changes`, then applies them in memory: a status
   * never shows what a restart could lose.
   */
  async save (record: JobRecord, changes: Partial<JobRecord>): Promise<void> {
    const { jobId } = record
    await this.queue(jobId, async () => {
      if (this.records.get(jobId) !== record) return
      await this.write({ ...record, ...changes })
      Object.assign(record, changes)
    })
  }

  /** Forgets a record and deletes its file. */
  async remove (jobId: string): Promise<void> {
    this.records.delete(jobId)
    await this.queue(jobId, async () => await rm(this.file(jobId), { force: true }))
    this.writes.delete(jobId)
  }

  private file (jobId: string): string {
    return join(this.dir, `${jobId}.json`)
  }

  private async write (record: JobRecord): Promise<void> {
    await writeAtomic(this.file(record.jobId), JSON.stringify(record))
  }

  private async queue (jobId: string, write: () => Promise<void>): Promise<void> {
    // An earlier failed write was reported to its caller; this one still runs.
    const next = (this.writes.get(jobId) ?? Promise.resolve()).catch(() => {}).then(write)
    this.writes.set(jobId, next)
    await next
  }
}
