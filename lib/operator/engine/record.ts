import type { JobStatus } from '../../../schemas/job.js'
import { STATUS, STATUS_TEXT, STOPREQ, type StatusCode } from './lifecycle.js'

/** A file a job left: what the algorithm wrote to its outputs, or a log. */
export interface ResultEntry {
  /** Path below the outputs or logs folder. */
  filename: string
  filesize: number
  type: 'output' | 'log'
}

/** What the engine keeps of a job, on disk and in memory. */
export interface JobRecord {
  jobId: string
  owner: string
  agreementId: string
  documentId: string
  inputDID: string[]
  algoDID: string
  /** The algorithm's container as asked for: a process runner honours only the entrypoint. */
  container: { entrypoint?: string, image?: string, tag?: string }
  /** Unix seconds by which the job must end, set when it leaves the queue: a restart keeps to it. */
  deadline?: number
  status: number
  statusText: string
  dateCreated: number
  dateFinished: number | null
  stopreq: number
  /** The algorithm's exit code; null while it runs, when it never ran or was killed. */
  exitCode: number | null
  /** Why the engine ended the job other than by the algorithm's own exit. */
  error?: string
  results: ResultEntry[]
  /** True once its folder was deleted for being kept its `retainSeconds`. */
  expired?: boolean
}

/** A result as status objects list it (the plugin adds its `url`). */
export interface ListedResult extends ResultEntry {
  index: number
}

/** The local engine's job status object: spec section 3 plus what it adds. */
export type LocalJobStatus = JobStatus & {
  results: ListedResult[]
  exitCode: number | null
  error?: string
  /** Once finished: unix seconds when its folder (results and logs) is deleted. */
  expires?: number
  /** True once it was: `results` is then empty. */
  expired?: boolean
}

type NewJob = Pick<JobRecord, 'jobId' | 'owner' | 'agreementId' | 'documentId' | 'inputDID' | 'algoDID' | 'container'>

// Unix seconds with milliseconds: jobs started within one second still sort in order.
export function unixNow (): number {
  return Date.now() / 1000
}

export function createRecord (job: NewJob): JobRecord {
  return {
    ...job,
    status: STATUS.queued,
    statusText: STATUS_TEXT[STATUS.queued],
    dateCreated: unixNow(),
    dateFinished: null,
    stopreq: STOPREQ.none,
    exitCode: null,
    results: []
  }
}

/** The change of a job to `status`, with the spec's text. */
export function statusChange (status: StatusCode): Pick<JobRecord, 'status' | 'statusText'> {
  return { status, statusText: STATUS_TEXT[status] }
}

/**
 * The job status object of spec section 3, plus `results` (each with its index),
 * `exitCode`, `error`, and `expires` when given (a finished job). The plugin links each result to its computeResult route and
 * fills `resultsUrl` and `algorithmLogUrl` from them: only it knows its prefix.
 */
export function toStatus (record: JobRecord, expires?: number): LocalJobStatus {
  const { container: _container, deadline: _deadline, ...job } = record
  return {
    ...job,
    removed: 0,
    results: record.results.map((result, index) => ({ index, ...result })),
    resultsDid: '',
    ...(expires === undefined ? {} : { expires })
  }
}
