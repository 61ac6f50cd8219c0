import { rm } from 'node:fs/promises'
import { extname, relative } from 'node:path'
import type { ResultFile } from '../types.js'
import type { JobLayout } from './layout.js'
import type { ResultEntry } from './record.js'
import { Budget, MAX_DEPTH, openInside, walkTree, type Overrun, type Tree } from './walk.js'

const CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.txt': 'text/plain; charset=utf-8',
  '.log': 'text/plain; charset=utf-8',
  '.csv': 'text/csv; charset=utf-8',
  '.json': 'application/json',
  '.html': 'text/html; charset=utf-8',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.svg': 'image/svg+xml',
  '.zip': 'application/zip',
  '.gz': 'application/gzip',
  '.tar': 'application/x-tar'
}

export function contentTypeOf (filename: string): string {
  return CONTENT_TYPES[extname(filename).toLowerCase()] ?? 'application/octet-stream'
}

/** A job's caps on what its algorithm leaves (see EngineOptions). */
export interface ResultLimits { maxOutputFiles: number, maxOutputBytes: number }

// The engine's own files: a few, written by it alone.
const JOURNAL_BUDGET = { maxOutputFiles: 16, maxOutputBytes: Number.MAX_SAFE_INTEGER }
// Files the algorithm wrote to its logs folder are listed under this prefix, so that none can pass for the engine's own.
const LOGS_PREFIX = 'logs/'

/** Where an entry is, below the job's folder. */
function locate (layout: JobLayout, { type, filename }: ResultEntry): string {
  if (type === 'output') return `${relative(layout.dir, layout.outputs)}/${filename}`
  if (filename.startsWith(LOGS_PREFIX)) return `${relative(layout.dir, layout.logs)}/${filename.slice(LOGS_PREFIX.length)}`
  return `${relative(layout.dir, layout.journal)}/${filename}`
}

async function walk (layout: JobLayout, folder: string, budget: Budget): Promise<Tree> {
  return await walkTree(layout.dir, relative(layout.dir, folder), budget)
}

/** What the algorithm left: its outputs and logs folders walked under one budget, without following a link. */
export interface AlgorithmResults {
  entries: ResultEntry[]
  /** What they hold, every entry counted. */
  bytes: number
  overrun?: Overrun
}

/**
 * A job's outputs and the files its algorithm wrote to its logs folder, against the
 * caps, as it runs or once it ended. The walk stops at the first entry beyond them.
 */
export async function measure (layout: JobLayout, limits: ResultLimits): Promise<AlgorithmResults> {
  const budget = new Budget(limits.maxOutputFiles, limits.maxOutputBytes)
  const outputs = await walk(layout, layout.outputs, budget)
  const logs = outputs.overrun === undefined ? await walk(layout, layout.logs, budget) : { files: [] }
  return {
    entries: [
      ...outputs.files.map(file => ({ ...file, type: 'output' as const })),
      ...logs.files.map(file => ({ ...file, filename: LOGS_PREFIX + file.filename, type: 'log' as const }))
    ],
    bytes: budget.bytes,
    overrun: outputs.overrun ?? logs.overrun
  }
}

/** Deletes a job's outputs and algorithm logs. */
export async function discardResults (layout: JobLayout): Promise<AlgorithmResults> {
  await Promise.all([layout.outputs, layout.logs].map(async folder => await rm(folder, { recursive: true, force: true })))
  return { entries: [], bytes: 0 }
}

/**
 * A finished job's outputs and algorithm logs. Beyond the caps they are deleted and
 * none are listed: the one place the caps are applied, whether the job ended or a
 * restart found it interrupted.
 */
export async function keptResults (layout: JobLayout, limits: ResultLimits): Promise<AlgorithmResults> {
  const found = await measure(layout, limits)
  if (found.overrun === undefined) return found
  return { ...await discardResults(layout), overrun: found.overrun }
}

/** The job's error for outputs beyond the caps. */
export function overrunError (overrun: Overrun, limits: ResultLimits): string {
  const beyond = overrun === 'entries'
    ? `held more than ${limits.maxOutputFiles} entries (files, folders and links)`
    : overrun === 'bytes' ? `exceeded ${limits.maxOutputBytes} bytes` : `were nested deeper than ${MAX_DEPTH} folders`
  return `The outputs and logs ${beyond} and were discarded.`
}

/** A finished job's results: its outputs, the engine's logs (the algorithm's stdout and stderr first), then what the algorithm wrote to its logs. */
export async function collectResults (layout: JobLayout, kept: AlgorithmResults): Promise<ResultEntry[]> {
  const own = await walk(layout, layout.journal, new Budget(JOURNAL_BUDGET.maxOutputFiles, JOURNAL_BUDGET.maxOutputBytes))
  const journal = own.files.map(file => ({ ...file, type: 'log' as const }))
  return [
    ...kept.entries.filter(entry => entry.type === 'output'),
    ...journal,
    ...kept.entries.filter(entry => entry.type === 'log')
  ]
}

/** Opens a result for streaming; undefined when it is gone, no longer a regular file, or no longer inside the job's folder. */
export async function openResult (layout: JobLayout, entry: ResultEntry): Promise<ResultFile | undefined> {
  const opened = await openInside(layout.dir, locate(layout, entry))
  if (opened === undefined) return undefined
  return { name: entry.filename, size: opened.size, contentType: contentTypeOf(entry.filename), stream: opened.handle.createReadStream() }
}
