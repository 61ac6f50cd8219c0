import { randomBytes } from 'node:crypto'
import { appendFile, mkdir, realpath, rm, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import type { FastifyBaseLogger } from 'fastify'
import { OperatorUnavailableError } from '../../errors.js'
import type { ComputeOperator, OperatorContext, OperatorQuery, OperatorStartRequest, ResultFile, ResultQuery } from '../types.js'
import { commandLine } from './command.js'
import { fetchTo } from './fetch.js'
import { JobStore } from './job-store.js'
import { algorithmEnv, createLayout, inputFile, jobLayout, type JobLayout } from './layout.js'
import { INTERRUPTED_TEXT, STATUS, STOPREQ, isFinal, type FinalStatus, type StatusCode } from './lifecycle.js'
import { resolveLocalOptions, type LocalOperatorOptions, type ResolvedLocalOptions } from './options.js'
import { planJob, type JobPlan } from './plan.js'
import { createRecord, statusChange, toStatus, unixNow, type JobRecord, type LocalJobStatus } from './record.js'
import { bytesIn, collectResults, keptOutputs, openResult } from './results.js'
import { runProcess } from './runner.js'
import { Slots } from './slots.js'

/** Why a job was cut short: the abort reason of its controller. */
type EndReason = 'stop' | 'timeout' | 'shutdown' | 'outputs'

/** A job between its start and its final state. */
interface Job {
  record: JobRecord
  plan: JobPlan
  layout: JobLayout
  log: FastifyBaseLogger
  controller: AbortController
  done: Promise<void>
  /** What its final state will say: the algorithm's exit code, what went wrong. */
  exitCode: number | null
  error?: string
}

// How often a running job's outputs are measured against maxOutputBytes.
const OUTPUT_CHECK_MS = 1000

/**
 * The embedded engine: runs each job's algorithm as a local child process in a
 * job folder under `dataDir`, keeps job records there across restarts, and serves
 * the results. See docs/local-operator.md.
 */
export class LocalOperator implements ComputeOperator {
  private readonly options: ResolvedLocalOptions
  private readonly slots: Slots
  private readonly jobs = new Map<string, Job>()
  private readonly ready: Promise<{ dataDir: string, store: JobStore }>
  private closed = false

  constructor (options: LocalOperatorOptions) {
    this.options = resolveLocalOptions(options)
    this.slots = new Slots(this.options.maxConcurrentJobs)
    this.ready = this.load()
    // A failed load is answered to every call (503); it must not go unhandled meanwhile.
    this.ready.catch(() => {})
  }

  private async load (): Promise<{ dataDir: string, store: JobStore }> {
    await mkdir(this.options.dataDir, { recursive: true })
    // Node's permission model compares real paths: a symlinked dataDir would lock algorithms out.
    const dataDir = await realpath(this.options.dataDir)
    const store = new JobStore(join(dataDir, 'records'))
    await store.load()
    // Jobs that were unfinished when the last process ended: nothing runs them any more.
    for (const record of store.all()) {
      if (isFinal(record.status)) continue
      const layout = jobLayout(dataDir, record.jobId)
      const { files, overflow } = await keptOutputs(layout, this.options.maxOutputBytes)
      const results = await collectResults(layout, files).catch(() => [])
      await store.save(record, { ...this.ending(STATUS.completed, 'shutdown'), results, ...(overflow ? { error: this.overflowError() } : {}) })
    }
    return { dataDir, store }
  }

  private async open (): Promise<{ dataDir: string, store: JobStore }> {
    if (this.closed) throw new OperatorUnavailableError('The local compute engine is closed.')
    return await this.ready
  }

  async start (request: OperatorStartRequest, ctx: OperatorContext): Promise<LocalJobStatus[]> {
    const { dataDir, store } = await this.open()
    const plan = planJob(request, this.options)
    const record = createRecord({
      jobId: randomBytes(16).toString('hex'),
      owner: request.owner,
      agreementId: request.agreementId ?? '',
      documentId: request.documentId ?? '',
      inputDID: plan.inputs.map(input => input.documentId),
      algoDID: plan.algoDID,
      container: plan.container
    })
    await store.add(record)
    const answer = this.statusOf(record)
    const job: Job = { record, plan, layout: jobLayout(dataDir, record.jobId), log: ctx.log, controller: new AbortController(), done: Promise.resolve(), exitCode: null }
    this.jobs.set(record.jobId, job)
    job.done = this.lifecycle(job, store).finally(() => this.jobs.delete(record.jobId))
    return [answer]
  }

  async status (query: OperatorQuery, _ctx?: OperatorContext): Promise<LocalJobStatus[]> {
    const { store } = await this.open()
    return this.match(store, query).map(record => this.statusOf(record))
  }

  /** Ends the matching unfinished jobs (`stopreq` 1) and answers them once final; finished jobs are answered as they are. */
  async stop (query: OperatorQuery, _ctx?: OperatorContext): Promise<LocalJobStatus[]> {
    const { store } = await this.open()
    const matched = this.match(store, query)
    await Promise.all(matched.map(async record => await this.end(record.jobId, 'stop')))
    return matched.map(record => this.statusOf(record))
  }

  /** Stops the matching jobs, removes their folders and records, and answers them with `removed` 1. */
  async delete (query: OperatorQuery, _ctx?: OperatorContext): Promise<LocalJobStatus[]> {
    const { dataDir, store } = await this.open()
    const matched = this.match(store, query)
    return await Promise.all(matched.map(async record => {
      await this.end(record.jobId, 'stop')
      await store.remove(record.jobId)
      await rm(jobLayout(dataDir, record.jobId).dir, { recursive: true, force: true })
      return { ...this.statusOf(record), removed: 1 }
    }))
  }

  /** Result `index` of a job of `owner`; undefined for anything else. */
  async result (query: ResultQuery, _ctx?: OperatorContext): Promise<ResultFile | undefined> {
    const { dataDir, store } = await this.open()
    const [record] = this.match(store, { owner: query.owner, jobId: query.jobId })
    const entry = record?.results[query.index]
    return entry === undefined ? undefined : await openResult(jobLayout(dataDir, query.jobId), entry)
  }

  /** Kills the running jobs and ends them, and the queued ones, as interrupted. */
  async close (): Promise<void> {
    this.closed = true
    await Promise.all([...this.jobs.keys()].map(async jobId => await this.end(jobId, 'shutdown')))
  }

  private match (store: JobStore, { owner, jobId, documentId, agreementId }: OperatorQuery): JobRecord[] {
    const address = owner.toLowerCase()
    return store.all().filter(record => record.owner.toLowerCase() === address &&
      (jobId === undefined || record.jobId === jobId) &&
      (documentId === undefined || record.documentId === documentId) &&
      (agreementId === undefined || record.agreementId === agreementId))
  }

  private statusOf (record: JobRecord): LocalJobStatus {
    return toStatus(record, this.options.resultUrl)
  }

  private async end (jobId: string, reason: EndReason): Promise<void> {
    const job = this.jobs.get(jobId)
    if (job === undefined) return
    job.controller.abort(reason)
    await job.done
  }

  private async lifecycle (job: Job, store: JobStore): Promise<void> {
    const { controller } = job
    try {
      await this.slots.acquire(controller.signal)
    } catch {
      return await this.finish(job, store, STATUS.completed) // ended while queued
    }
    const timer = setTimeout(() => controller.abort('timeout'), job.plan.maxSeconds * 1000)
    try {
      await this.finish(job, store, await this.work(job, store))
    } catch (err) {
      // The file system failed us (a full disk): say so, and still end the job.
      job.log.error({ err, jobId: job.record.jobId }, 'local compute job failed')
      job.error = 'The provider failed while running the job.'
      await this.finish(job, store, STATUS.completed).catch(() => {})
    } finally {
      clearTimeout(timer)
      this.slots.release()
    }
  }

  /** Prepares the folder, fetches inputs and algorithm, runs it. Answers the final status. */
  private async work (job: Job, store: JobStore): Promise<FinalStatus> {
    const { record, plan, layout, controller: { signal } } = job
    await this.advance(job, store, STATUS.configuring)
    await createLayout(layout, record.inputDID)
    if (plan.container.image !== undefined) {
      const image = [plan.container.image, plan.container.tag].filter(Boolean).join(':')
      await this.note(job, `container image ${image} ignored: this engine runs the entrypoint as a local process`)
    }
    for (const { documentId, sources } of plan.inputs) {
      for (const [index, source] of sources.entries()) {
        const failure = await this.fetch(job, source, inputFile(layout, documentId, index))
        if (failure !== undefined) return await this.fail(job, STATUS.dataFailed, `The dataset ${documentId} could not be fetched: ${failure}.`)
      }
    }
    if ('rawcode' in plan.algorithm) await writeFile(layout.algorithm, plan.algorithm.rawcode)
    else {
      const failure = await this.fetch(job, plan.algorithm.url, layout.algorithm)
      if (failure !== undefined) return await this.fail(job, STATUS.algorithmFailed, `The algorithm could not be fetched: ${failure}.`)
    }
    if (signal.aborted) return STATUS.completed
    await this.advance(job, store, STATUS.provisioned)
    return await this.run(job, store)
  }

  private async run (job: Job, store: JobStore): Promise<FinalStatus> {
    const { record, plan, layout, controller } = job
    await this.advance(job, store, STATUS.running)
    // The log is capped as it is written; outputs are written by the algorithm itself, so they are measured.
    const watch = setInterval(() => {
      bytesIn(layout.outputs).then(bytes => { if (bytes > this.options.maxOutputBytes) controller.abort('outputs') }, () => {})
    }, OUTPUT_CHECK_MS)
    try {
      const outcome = await runProcess({
        ...commandLine(plan.entrypoint, layout.algorithm, layout.dir),
        cwd: layout.dir,
        env: algorithmEnv(layout, record.inputDID, record.algoDID),
        log: layout.log,
        maxLogBytes: this.options.maxOutputBytes,
        signal: controller.signal
      })
      job.exitCode = outcome.exitCode
      await this.note(job, outcome.signal === null ? `the algorithm exited with code ${String(outcome.exitCode)}` : `the algorithm was killed (${outcome.signal})`)
      return STATUS.completed
    } catch (err) {
      return await this.fail(job, STATUS.algorithmFailed, `The runtime ${plan.entrypoint.runtime} could not be started: ${String((err as { code?: unknown }).code)}.`)
    } finally {
      clearInterval(watch)
    }
  }

  /** Fetches one file; answers why it failed, or undefined. An abort is no failure: the job ends as stopped. */
  private async fetch (job: Job, source: string, destination: string): Promise<string | undefined> {
    try {
      await fetchTo(source, destination, job.controller.signal)
    } catch (err) {
      if (!job.controller.signal.aborted) return (err as Error).message
    }
  }

  private async fail (job: Job, status: FinalStatus, error: string): Promise<FinalStatus> {
    if (job.controller.signal.aborted) return STATUS.completed
    job.error = error
    await this.note(job, error)
    return status
  }

  /** Collects results and writes the final state. */
  private async finish (job: Job, store: JobStore, status: FinalStatus): Promise<void> {
    const { record, layout, controller: { signal } } = job
    const reason = signal.aborted ? signal.reason as EndReason : undefined
    if (record.status === STATUS.running) await this.advance(job, store, STATUS.publishing)
    const { files, overflow } = await keptOutputs(layout, this.options.maxOutputBytes)
    if (overflow) {
      job.error = this.overflowError()
      await this.note(job, job.error)
    }
    if (reason === 'timeout') await this.note(job, `the job ran out of its ${job.plan.maxSeconds} seconds`)
    const results = await collectResults(layout, files).catch(() => [])
    await store.save(record, {
      ...this.ending(status, reason),
      exitCode: job.exitCode,
      results,
      ...(job.error === undefined ? {} : { error: job.error })
    })
  }

  private overflowError (): string {
    return `The outputs exceeded ${this.options.maxOutputBytes} bytes and were discarded.`
  }

  /** The final state of a job, and why it ended. */
  private ending (status: StatusCode, reason: EndReason | undefined): Partial<JobRecord> {
    return {
      ...statusChange(status),
      ...(reason === 'shutdown' ? { statusText: INTERRUPTED_TEXT } : {}),
      stopreq: reason === 'stop' ? STOPREQ.stopped : reason === 'timeout' ? STOPREQ.timedOut : STOPREQ.none,
      dateFinished: unixNow()
    }
  }

  private async advance (job: Job, store: JobStore, status: StatusCode): Promise<void> {
    await store.save(job.record, statusChange(status))
  }

  // Lines of the engine in the job's log, which the consumer can fetch as a result.
  // A line that cannot be written (the folder is gone) is no reason to fail the job.
  private async note (job: Job, text: string): Promise<void> {
    await appendFile(job.layout.log, `[engine] ${text}\n`).catch(() => {})
  }
}

/** The embedded compute engine: jobs as local processes, records and results under `dataDir`. */
export function localOperator (options: LocalOperatorOptions): LocalOperator {
  return new LocalOperator(options)
}
