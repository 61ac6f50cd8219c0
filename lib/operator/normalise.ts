import type { JobStatus, ResultEntry } from '../../schemas/job.js'

// The one place where what an operator answers becomes what the routes serialize. The
// response serializer throws on a value of the wrong type (a 500, and on start after the
// job was created), so every field the schema types is made to fit or left out here.
// The real operator-service sends dates as strings of decimals on PostgreSQL 14+ and
// `results: ""` when a job has none (spec section 2.1). Fields of its own pass as they are.

// A finite number, or the text of one (numeric columns may arrive as strings).
function numberOf (value: unknown): number | undefined {
  const number = typeof value === 'string' && value.trim() !== '' ? Number(value) : value
  return typeof number === 'number' && Number.isFinite(number) ? number : undefined
}

function integerOf (value: unknown): number | undefined {
  const number = numberOf(value)
  return Number.isInteger(number) ? number : undefined
}

const isString = (value: unknown): value is string => typeof value === 'string'
const isStringOrList = (value: unknown): boolean => isString(value) || (Array.isArray(value) && value.every(isString))

type Fixer = (value: unknown) => unknown
const STRING: Fixer = value => isString(value) ? value : undefined
const DATE: Fixer = value => value === null ? null : numberOf(value)
const STRING_OR_LIST: Fixer = value => isStringOrList(value) ? value : undefined
const STRING_LIST: Fixer = value => Array.isArray(value) && value.every(isString) ? value : undefined
// `""` (the real service's "none") and anything else that is not a list: no results.
const RESULTS: Fixer = value => Array.isArray(value) ? value.filter(isObject).map(resultEntry) : []

// The optional fields of the JobStatus schema, each made to fit its type or dropped.
const OPTIONAL: ReadonlyArray<[keyof JobStatus, Fixer]> = [
  ['owner', STRING], ['agreementId', STRING], ['documentId', STRING], ['algoDID', STRING],
  ['inputDID', STRING_LIST], ['dateCreated', DATE], ['dateFinished', DATE], ['stopreq', integerOf], ['removed', integerOf],
  ['resultsUrl', STRING_OR_LIST], ['algorithmLogUrl', STRING_OR_LIST], ['resultsDid', STRING_OR_LIST], ['results', RESULTS]
]

function isObject (value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

// Makes each of `fields` that `record` has fit its type, or drops it. Written for the
// common case, where every field already fits and nothing is written.
function fit (record: Record<string, unknown>, fields: ReadonlyArray<readonly [string, Fixer]>): Record<string, unknown> {
  for (let i = 0; i < fields.length; i++) {
    const [key, fix] = fields[i]!
    const value = record[key]
    if (value === undefined) continue
    const fixed = fix(value)
    if (fixed === undefined) delete record[key]
    else if (fixed !== value) record[key] = fixed
  }
  return record
}

const RESULT_FIELDS: ReadonlyArray<[keyof ResultEntry, Fixer]> = [['filename', STRING], ['type', STRING], ['filesize', numberOf]]

function resultEntry (entry: Record<string, unknown>): ResultEntry {
  return fit({ ...entry }, RESULT_FIELDS)
}

// A job of the spec's types, as in-process operators answer: passed on as it is. Each
// fixer answers a value that already fits as it is, so the table above is the only
// description of the types. Every job of every answer comes through here: a job that
// fits costs no copy (fit and its copy cost ten times more). Results are always copied
// (the routes set each entry's index and url), so a job with any is decided at once.
function fitsAlready (job: Record<string, unknown>): boolean {
  if (!Number.isInteger(job.status) || !isString(job.statusText) || job.results !== undefined) return false
  for (let i = 0; i < OPTIONAL.length; i++) {
    const [key, fix] = OPTIONAL[i]!
    const value = job[key]
    if (value !== undefined && fix(value) !== value) return false
  }
  return true
}

/**
 * One job as the routes may serialize it, or undefined when `value` is no job at all
 * (no string `jobId`, no integer `status`): that answer is garbage. A job that needs no
 * change is answered as it is; any other is a copy (the operator's object is not changed).
 */
export function normaliseJob (value: unknown): JobStatus | undefined {
  if (!isObject(value) || !isString(value.jobId)) return undefined
  if (fitsAlready(value)) return value as JobStatus
  const status = integerOf(value.status)
  if (status === undefined) return undefined
  return fit({ ...value, status, statusText: isString(value.statusText) ? value.statusText : '' }, OPTIONAL) as JobStatus
}

/** The jobs of an operator's answer, or undefined when it is not a list of jobs. */
export function normaliseJobs (answer: unknown): JobStatus[] | undefined {
  if (!Array.isArray(answer)) return undefined
  const jobs: JobStatus[] = []
  for (const value of answer) {
    const job = normaliseJob(value)
    if (job === undefined) return undefined
    jobs.push(job)
  }
  return jobs
}
