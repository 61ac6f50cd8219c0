import type { JobStatus } from '../../schemas/job.js'
import type { NodeJob, NodeResult } from '../../schemas/modern/job.js'

/** What a free job was started with on the current wire, beyond what the operator keeps. */
export interface JobTerms {
  owner: string
  environment: string
  maxJobDuration: number
  resources: Array<{ id: string, amount: number }>
  metadata: Record<string, unknown> | null
  additionalViewers: string[]
  queueMaxWaitTime: number
}

/**
 * The terms of the jobs started on this wire, by jobId, in this process's memory, the
 * oldest forgotten past `size`. A job it no longer knows (another wire started it, the
 * process restarted) is answered with its environment's defaults and no additional
 * viewers: its owner keeps every right, nobody gains one.
 */
export class JobBook {
  readonly #terms = new Map<string, JobTerms>()
  constructor (private readonly size: number) {}

  add (jobId: string, terms: JobTerms): void {
    this.#terms.set(jobId, terms)
    if (this.#terms.size > this.size) this.#terms.delete(this.#terms.keys().next().value!)
  }

  get (jobId: string): JobTerms | undefined {
    return this.#terms.get(jobId)
  }
}

// The v0.4 codes that mean other things on this wire (spec "current wire" section 4); the others are the same.
const CODES: Readonly<Record<number, number>> = { 10: 0, 1: 1 }

/** ocean-node's status texts (C2DStatusText), word for word. */
export const STATUS_TEXT: Readonly<Record<number, string>> = {
  0: 'Job started',
  1: 'Job queued',
  2: 'Job expired in queue',
  10: 'Pulling algorithm image',
  11: 'Pulling algorithm image failed',
  12: 'Building algorithm image',
  13: 'Building algorithm image failed',
  14: 'Image has vulnerabilities',
  20: 'Configuring volumes',
  21: 'Volume creation failed',
  22: 'Container creation failed',
  30: 'Provisioning data',
  31: 'Data provisioning failed',
  32: 'Algorithm provisioning failed',
  33: 'Data upload to container failed',
  40: 'Running algorithm ',
  41: 'Failed to run algorithm',
  42: 'Error: disk quota exceeded',
  50: 'Filtering results',
  60: 'Publishing results',
  61: 'Failed to get outputs folder from container',
  62: 'Failed to upload results to storage',
  70: 'Job finished',
  71: 'Job settling'
}

const epochText = (seconds: number | null | undefined): string | null => typeof seconds === 'number' ? String(seconds) : null

function resultsOf (job: JobStatus): NodeResult[] {
  return (job.results ?? []).map((entry, position) => ({
    filename: entry.filename ?? `result-${position}`,
    filesize: entry.filesize ?? 0,
    // Clients pick `type: "output"`; every log is the algorithm's as far as they are concerned.
    type: entry.type === 'output' ? 'output' : 'algorithmLog',
    index: position
  }))
}

/** The terms shown for a job the book does not know. */
const UNKNOWN: Omit<JobTerms, 'owner'> = { environment: '', maxJobDuration: 0, resources: [], metadata: null, additionalViewers: [], queueMaxWaitTime: 0 }

/** A job as the current wire shows it, from what the operator reported and the terms it was started with, when known. */
export function toNodeJob (job: JobStatus, terms: JobTerms | undefined): NodeJob {
  const given = terms ?? { ...UNKNOWN, owner: job.owner ?? '' }
  const status = CODES[job.status] ?? job.status
  const exitCode = (job as { exitCode?: unknown }).exitCode
  return {
    owner: job.owner ?? given.owner,
    did: job.documentId === undefined || job.documentId === '' ? null : job.documentId,
    jobId: job.jobId,
    dateCreated: epochText(job.dateCreated) ?? '0',
    dateFinished: epochText(job.dateFinished),
    status,
    statusText: STATUS_TEXT[status] ?? job.statusText,
    results: resultsOf(job),
    inputDID: job.inputDID ?? [],
    algoDID: job.algoDID ?? '',
    agreementId: job.agreementId ?? '',
    environment: given.environment,
    metadata: given.metadata,
    terminationDetails: { exitCode: Number.isInteger(exitCode) ? exitCode as number : null, OOMKilled: false },
    maxJobDuration: given.maxJobDuration,
    queueMaxWaitTime: given.queueMaxWaitTime,
    stopRequested: (job.stopreq ?? 0) > 0,
    resources: given.resources,
    // A free job pays no order.
    isFree: (job.agreementId ?? '') === '',
    algoStartTimestamp: '0',
    algoStopTimestamp: '0',
    algoDuration: 0,
    additionalViewers: given.additionalViewers
  }
}
