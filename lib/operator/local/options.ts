import { InvalidOptionError } from '../../errors.js'
import { positiveInteger } from '../../option-checks.js'

/** Where a client fetches result `index` of a job: the URL of the computeResult route. */
export type ResultUrl = (jobId: string, index: number, owner: string) => string

export interface LocalOperatorOptions {
  /** Folder of the job folders and job records. Created when missing. Keep it off shared temp space in production. */
  dataDir: string
  /** The datasets this provider serves: documentId to a local file path, a `file:` URL or an http(s) URL. */
  datasets?: Record<string, string>
  /** Jobs that run at once; later ones wait in status 1. Default: 2. */
  maxConcurrentJobs?: number
  /** Seconds a job may take from leaving the queue; then it is killed with `stopreq` 2. Default: 600. */
  maxJobSeconds?: number
  /** Bytes a job may write to its outputs (and, separately, to its log). Default: 64 MiB. */
  maxOutputBytes?: number
  /** Programs an algorithm's entrypoint may start. Default: ['node', 'python3']. */
  runtimes?: string[]
  /**
   * The computeResult route as seen by clients: a base URL to which
   * `?consumerAddress=&jobId=&index=` is added, or a function.
   * Default: '/api/v1/services/computeResult' (relative to the provider's origin).
   */
  resultUrl?: string | ResultUrl
}

export interface ResolvedLocalOptions {
  dataDir: string
  datasets: ReadonlyMap<string, string>
  maxConcurrentJobs: number
  maxJobSeconds: number
  maxOutputBytes: number
  runtimes: ReadonlySet<string>
  resultUrl: ResultUrl
}

const DEFAULTS = { maxConcurrentJobs: 2, maxJobSeconds: 600, maxOutputBytes: 64 * 1024 * 1024 } as const
type Limit = keyof typeof DEFAULTS

function invalid (problem: string): Error {
  return new InvalidOptionError(`localOperator: ${problem}`)
}

// `?? undefined`: null, as from a config file, means the default here.
function limit (options: LocalOperatorOptions, name: Limit): number {
  return positiveInteger(`localOperator: ${name}`, options[name] ?? undefined, DEFAULTS[name])
}

function resultUrlOf (given: LocalOperatorOptions['resultUrl']): ResultUrl {
  if (typeof given === 'function') return given
  if (given !== undefined && (typeof given !== 'string' || given === '')) throw invalid('resultUrl must be a URL or a function')
  const base = given ?? '/api/v1/services/computeResult'
  const join = base.includes('?') ? '&' : '?'
  return (jobId, index, owner) =>
    base + join + new URLSearchParams({ consumerAddress: owner, jobId, index: String(index) }).toString()
}

function stringsOf (name: string, value: unknown): string[] {
  const entries = Array.isArray(value) ? value : Object.values(value as object)
  if (entries.some(entry => typeof entry !== 'string' || entry === '')) throw invalid(`${name} must hold non-empty strings`)
  return entries as string[]
}

/** Applies defaults and checks every option once, when the engine is made. */
export function resolveLocalOptions (options: LocalOperatorOptions): ResolvedLocalOptions {
  if (typeof options?.dataDir !== 'string' || options.dataDir === '') throw invalid('dataDir must name a folder')
  const datasets = options.datasets ?? {}
  const runtimes = options.runtimes ?? ['node', 'python3']
  if (typeof datasets !== 'object' || datasets === null) throw invalid('datasets must map documentIds to paths or URLs')
  if (!Array.isArray(runtimes)) throw invalid('runtimes must be a list of program names')
  stringsOf('datasets', datasets)
  return {
    dataDir: options.dataDir,
    datasets: new Map(Object.entries(datasets)),
    maxConcurrentJobs: limit(options, 'maxConcurrentJobs'),
    maxJobSeconds: limit(options, 'maxJobSeconds'),
    maxOutputBytes: limit(options, 'maxOutputBytes'),
    runtimes: new Set(stringsOf('runtimes', runtimes)),
    resultUrl: resultUrlOf(options.resultUrl)
  }
}
