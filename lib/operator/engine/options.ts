import { InvalidOptionError } from '../../errors.js'
import { positiveInteger, timeLimit, wholeNumber } from '../../option-checks.js'
import { resolveDownloads, type DownloadOptions, type ResolvedDownloads } from './download-options.js'

/** The options every engine shares, whatever runs its algorithms. */
export interface EngineOptions {
  /** Folder of the job folders and job records. Created when missing. Keep it off shared temp space in production. */
  dataDir: string
  /** The datasets this provider serves: documentId to a local file path, a `file:` URL or an http(s) URL. */
  datasets?: Record<string, string>
  /** Jobs that run at once; later ones wait in status 1. Default: 2. */
  maxConcurrentJobs?: number
  /** Seconds a job may take from leaving the queue; then it is killed with `stopreq` 2. Default: 600; at most 2147483 (~24.8 days, a Node timer's longest wait). */
  maxJobSeconds?: number
  /** Bytes a job may leave in its outputs and logs folders together, every entry counted; beyond them the job ends and they are discarded. Default: 64 MiB. */
  maxOutputBytes?: number
  /** Entries (files, folders and links) a job may leave in its outputs and logs folders together; beyond them the job ends and they are discarded. Default: 1000. */
  maxOutputFiles?: number
  /** Bytes of the algorithm's stdout and stderr kept in its log; the rest is dropped as it comes, and the engine's log says so. Default: 8 MiB. */
  maxLogBytes?: number
  /**
   * Bytes all jobs' results may hold together on the disk; a job that takes them past it is
   * ended and its outputs discarded, and starts are refused (503) while less than one job's
   * `maxOutputBytes` is left. 0, the default, sets no such cap.
   */
  maxDiskBytes?: number
  /** A consumer's unfinished jobs, queued and running. Default: 10. */
  maxJobsPerConsumer?: number
  /**
   * A start beyond `maxJobsPerConsumer`: 'refuse' answers 429 `FST_COMPUTE_CONSUMER_LIMIT`;
   * 'wait' accepts it, and the consumer's jobs beyond the limit wait in status 1 until
   * earlier ones end. Default: 'refuse'.
   */
  consumerLimit?: 'refuse' | 'wait'
  /** Seconds a finished job's folder (outputs, logs, inputs) is kept; then it is deleted, and its status says so. Default: 604800 (7 days). */
  retainSeconds?: number
  /** What URLs may reach, and how much and how long they may send: see `DownloadOptions`. Default: public addresses only. */
  downloads?: DownloadOptions
}

export interface ResolvedEngineOptions {
  dataDir: string
  datasets: ReadonlyMap<string, string>
  maxConcurrentJobs: number
  maxJobSeconds: number
  maxOutputBytes: number
  maxOutputFiles: number
  maxLogBytes: number
  maxDiskBytes: number
  maxJobsPerConsumer: number
  consumerLimit: 'refuse' | 'wait'
  retainSeconds: number
  downloads: ResolvedDownloads
}

const MIB = 1024 * 1024
const DEFAULTS = {
  maxConcurrentJobs: 2,
  maxJobSeconds: 600,
  maxOutputBytes: 64 * MIB,
  maxOutputFiles: 1000,
  maxLogBytes: 8 * MIB,
  maxJobsPerConsumer: 10,
  retainSeconds: 7 * 24 * 3600
} as const
type Limit = keyof typeof DEFAULTS

/** An option error of the engine `name` (`localOperator`, `dockerOperator`). */
export function invalidOption (name: string, problem: string): Error {
  return new InvalidOptionError(`${name}: ${problem}`)
}

// `?? undefined`: null, as from a config file, means the default here.
function limit (name: string, options: EngineOptions, option: Limit): number {
  // A time limit becomes a timer: beyond a Node timer's longest wait it would fire at once.
  return (option === 'maxJobSeconds' ? timeLimit : positiveInteger)(`${name}: ${option}`, options[option] ?? undefined, DEFAULTS[option])
}

/** The entries of a list or a map, checked to be non-empty strings. */
export function stringsOf (name: string, option: string, value: unknown): string[] {
  const entries = Array.isArray(value) ? value : Object.values(value as object)
  if (entries.some(entry => typeof entry !== 'string' || entry === '')) throw invalidOption(name, `${option} must hold non-empty strings`)
  return entries as string[]
}

/** An allow-list (images, runtimes): a list of non-empty strings, never empty, since an empty one would refuse every job. */
export function allowList (name: string, option: string, value: unknown, what: string): string[] {
  if (!Array.isArray(value)) throw invalidOption(name, `${option} must be a list of ${what}`)
  if (value.length === 0) throw invalidOption(name, `${option} is empty: with no ${what} allowed, every job would be refused`)
  return stringsOf(name, option, value)
}

/** Applies defaults and checks the shared options once, when the engine `name` is made. */
export function resolveEngineOptions (name: string, options: EngineOptions): ResolvedEngineOptions {
  if (typeof options?.dataDir !== 'string' || options.dataDir === '') throw invalidOption(name, 'dataDir must name a folder')
  const datasets = options.datasets ?? {}
  if (typeof datasets !== 'object' || datasets === null) throw invalidOption(name, 'datasets must map documentIds to paths or URLs')
  stringsOf(name, 'datasets', datasets)
  const consumerLimit = options.consumerLimit ?? 'refuse'
  if (consumerLimit !== 'refuse' && consumerLimit !== 'wait') throw invalidOption(name, `consumerLimit must be 'refuse' or 'wait', got ${String(consumerLimit)}`)
  return {
    dataDir: options.dataDir,
    datasets: new Map(Object.entries(datasets)),
    maxConcurrentJobs: limit(name, options, 'maxConcurrentJobs'),
    maxJobSeconds: limit(name, options, 'maxJobSeconds'),
    maxOutputBytes: limit(name, options, 'maxOutputBytes'),
    maxOutputFiles: limit(name, options, 'maxOutputFiles'),
    maxLogBytes: limit(name, options, 'maxLogBytes'),
    maxDiskBytes: wholeNumber(`${name}: maxDiskBytes`, options.maxDiskBytes ?? undefined, 0),
    maxJobsPerConsumer: limit(name, options, 'maxJobsPerConsumer'),
    consumerLimit,
    retainSeconds: limit(name, options, 'retainSeconds'),
    downloads: resolveDownloads(name, options.downloads ?? undefined, problem => invalidOption(name, problem))
  }
}
