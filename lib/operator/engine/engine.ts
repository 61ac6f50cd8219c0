import { randomBytes } from 'node:crypto'
import { appendFile, mkdir, realpath, rm, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import type { FastifyBaseLogger } from 'fastify'
import { InvalidOptionError, OperatorUnavailableError } from '../../errors.js'
import type { Readable } from 'node:stream'
import type { ComputeOperator, LogQuery, OperatorContext, OperatorQuery, OperatorStartRequest, ResultFile, ResultQuery } from '../types.js'
import { followFile } from './follow.js'
import { splitEntrypoint } from './entrypoint.js'
import { fetchTo, type DownloadRules } from './fetch.js'
import { JobStore } from './job-store.js'
import { createLayout, inputFile, jobLayout, type JobLayout } from './layout.js'
import { INTERRUPTED_TEXT, STATUS, STOPREQ, isFinal, type FinalStatus, type StatusCode } from './lifecycle.js'
import type { ResolvedEngineOptions } from './options.js'
import { planJob, type JobPlan } from './plan.js'
import { createRecord, statusChange, toStatus, unixNow, type JobRecord, type LocalJobStatus } from './record.js'
import { bytesOf, DiskUse } from './disk.js'
import { AlgorithmLog } from './job-log.js'
import { collectResults, discardResults, keptResults, measure, openResult, overrunError } from './results.js'
import { RunFailure, type AlgorithmRunner, type PreparedJob, type RunOutcome } from './runner.js'
import { Slots } from './slots.js'
import { publishJob } from './events.js'
import { Retention } from './retention.js'
import { notCreated } from '../not-created.js'

/** Why a job was cut short: the abort reason of its controller. */
type EndReason = 'stop' | 'timeout' | 'shutdown' | 'outputs' | 'disk'

/** A job between its start and its final state. */
interface Job {
  record: JobRecord
  layout: JobLayout
  /** The request's logger; none for a job picked up after a restart. */
  log?: FastifyBaseLogger
  controller: AbortController
  done: Promise<void>
  maxSeconds: number
  /** What its final state will say: the algorithm's exit code, what went wrong. */
  exitCode: number | null
  error?: string
  /** When it left the queue (ms since the epoch). */
  started?: number
}

/** A job's work until its final status; 'detached' when it was left running for the next engine. */
type Work = () => Promise<FinalStatus | 'detached'>

// How often a running job's outputs are measured against maxOutputFiles and maxOutputBytes.
const OUTPUT_CHECK_MS = 1000

/**
 * The job machine every embedded engine shares: a queue with `maxConcurrentJobs`
 * slots, the lifecycle and its durable records, each job's folder under `dataDir`
 * with its inputs and algorithm fetched, the time limit, the output cap, and the
 * results. How the algorithm runs, a process or a container, is its runner's.
 * See docs/local-operator.md and docs/docker-operator.md.
 */
export class Engine implements ComputeOperator {
  private readonly slots: Slots
  private readonly retention: Retention
  private readonly jobs = new Map<string, Job>()
  private readonly disk: DiskUse
  private readonly loaded: Promise<{ dataDir: string, store: JobStore }>
  private closed = false

  /** `label` names the engine in errors ('local compute engine'). */
  constructor (private readonly label: string, private readonly options: ResolvedEngineOptions, private readonly runner: AlgorithmRunner) {
    this.slots = new Slots({ size: options.maxConcurrentJobs, perConsumer: options.maxJobsPerConsumer, whenFull: options.consumerLimit })
    this.disk = new DiskUse(options.maxDiskBytes)
    this.retention = new Retention(options.retainSeconds, jobId => { this.disk.release(jobId) })
    this.loaded = this.load()
    // A failed load is answered to every call (503); it must not go unhandled meanwhile.
    this.loaded.catch(() => {})
  }

  private async load (): Promise<{ dataDir: string, store: JobStore }> {
    await mkdir(this.options.dataDir, { recursive: true })
    // Node's permission model compares real paths: a symlinked dataDir would lock algorithms out.
    const dataDir = await realpath(this.options.dataDir)
    const store = new JobStore(join(dataDir, 'records'))
    await store.load()
    const unfinished = store.all().filter(record => !isFinal(record.status))
    const running = unfinished.filter(record => record.status === STATUS.running).map(record => record.jobId)
    // undefined: the runner cannot tell now (Docker is down); its jobs stay as they are for a later start.
    const waits = this.runner.recover === undefined || running.length === 0 ? new Map<string, never>() : await this.runner.recover(running)
    for (const record of unfinished) {
      const wait = waits?.get(record.jobId)
      if (wait !== undefined) this.resume(record, dataDir, store, wait)
      else if (waits !== undefined || record.status !== STATUS.running) await this.interrupted(record, dataDir, store)
    }
    for (const record of store.all()) this.disk.hold(record.jobId, bytesOf(record.results))
    this.retention.start(dataDir, store)
    return { dataDir, store }
  }

  /** A job that was unfinished when the last process ended, and that nothing runs any more. */
  private async interrupted (record: JobRecord, dataDir: string, store: JobStore): Promise<void> {
    const layout = jobLayout(dataDir, record.jobId)
    const kept = await keptResults(layout, this.options)
    const results = await collectResults(layout, kept)
    await store.save(record, { ...this.ending(STATUS.completed, 'shutdown'), results, ...(kept.overrun === undefined ? {} : { error: overrunError(kept.overrun, this.options) }) })
  }

  /** A job still running outside this process after a restart: waited for again, within what is left of its time. */
  private resume (record: JobRecord, dataDir: string, store: JobStore, wait: (job: PreparedJob, signal: AbortSignal) => Promise<RunOutcome>): void {
    const left = record.deadline === undefined ? this.options.maxJobSeconds : Math.max(0, record.deadline - unixNow())
    const job = this.track(record, dataDir, left)
    this.slots.take(record.owner)
    job.started = Date.now()
    const prepared = this.prepared(job, splitEntrypoint(record.container.entrypoint))
    job.done = this.settle(job, store, async () => await this.outcome(job, prepared, wait(prepared, job.controller.signal)))
  }

  private async open (): Promise<{ dataDir: string, store: JobStore }> {
    if (this.closed) throw new OperatorUnavailableError(`The ${this.label} is closed.`)
    return await this.loaded
  }

  /** Resolves once dataDir is usable and its records are read; the plugin awaits it at registration. */
  async ready (): Promise<void> {
    await this.loaded.catch((err: Error) => {
      throw new InvalidOptionError(`the ${this.label} cannot use its dataDir ${this.options.dataDir}: ${err.message}`, { cause: err })
    })
  }

  async start (request: OperatorStartRequest, ctx: OperatorContext): Promise<LocalJobStatus[]> {
    const { dataDir, store, plan, record } = await this.admit(request).catch((err: unknown) => { throw notCreated(err) })
    const answer = this.statusOf(record)
    const job = this.track(record, dataDir, plan.maxSeconds, ctx.log)
    job.done = this.lifecycle(job, store, plan)
    publishJob(this.label, record, 'queued', this.slots)
    return [answer]
  }

  /** Everything before the job exists: a failure here leaves nothing behind. */
  private async admit (request: OperatorStartRequest): Promise<{ dataDir: string, store: JobStore, plan: JobPlan, record: JobRecord }> {
    const { dataDir, store } = await this.open()
    const plan = planJob(request, this.options, this.runner)
    if (this.disk.hasNoRoomFor(this.options.maxOutputBytes)) throw new OperatorUnavailableError(`The ${this.label} has no disk left for a job's results; try again later.`)
    await this.runner.ready?.()
    const record = createRecord({
      jobId: randomBytes(16).toString('hex'),
      owner: request.owner,
      agreementId: request.agreementId ?? '',
      documentId: request.documentId ?? '',
      inputDID: plan.inputs.map(input => input.documentId),
      algoDID: plan.algoDID,
      container: plan.container
    })
    this.slots.admit(record.owner) // 429 past maxJobsPerConsumer
    await store.add(record).catch(err => { this.slots.leave(record.owner); throw err })
    return { dataDir, store, plan, record }
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
      this.disk.release(record.jobId)
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

  /** The log of a running job of `owner` as it is written, ending with the job; undefined when none runs. */
  async logs (query: LogQuery, _ctx?: OperatorContext): Promise<Readable | undefined> {
    const { store } = await this.open()
    const [record] = this.match(store, query)
    const job = record === undefined ? undefined : this.jobs.get(record.jobId)
    return job === undefined ? undefined : followFile(job.layout.log, job.done)
  }

  /** Ends the queued and starting jobs as interrupted; the running ones as the runner decides (killed, or left for the next engine). */
  async close (): Promise<void> {
    this.closed = true
    await this.retention.stop()
    await Promise.all([...this.jobs.keys()].map(async jobId => await this.end(jobId, 'shutdown')))
    await this.runner.close?.()
  }

  private match (store: JobStore, { owner, jobId, documentId, agreementId }: OperatorQuery): JobRecord[] {
    const address = owner.toLowerCase()
    return store.all().filter(record => record.owner.toLowerCase() === address &&
      (jobId === undefined || record.jobId === jobId) &&
      (documentId === undefined || record.documentId === documentId) &&
      (agreementId === undefined || record.agreementId === agreementId))
  }

  private statusOf (record: JobRecord): LocalJobStatus {
    return toStatus(record, this.retention.expires(record))
  }

  private track (record: JobRecord, dataDir: string, maxSeconds: number, log?: FastifyBaseLogger): Job {
    const job: Job = { record, layout: jobLayout(dataDir, record.jobId), log, controller: new AbortController(), done: Promise.resolve(), maxSeconds, exitCode: null }
    this.jobs.set(record.jobId, job)
    return job
  }

  private async end (jobId: string, reason: EndReason): Promise<void> {
    const job = this.jobs.get(jobId)
    if (job === undefined) return
    job.controller.abort(reason)
    await job.done
  }

  private async lifecycle (job: Job, store: JobStore, plan: JobPlan): Promise<void> {
    const { owner } = job.record
    try {
      await this.slots.acquire(owner, job.controller.signal)
    } catch {
      await this.finish(job, store, STATUS.completed) // ended while queued
      this.slots.leave(owner)
      this.jobs.delete(job.record.jobId)
      publishJob(this.label, job.record, 'finished', this.slots)
      return
    }
    job.started = Date.now()
    publishJob(this.label, job.record, 'running', this.slots, job.started)
    await this.settle(job, store, async () => await this.work(job, store, plan))
  }

  /** Runs a job that holds a slot within its time, and ends it whatever happens. */
  private async settle (job: Job, store: JobStore, work: Work): Promise<void> {
    const { controller } = job
    const timer = setTimeout(() => controller.abort('timeout'), job.maxSeconds * 1000)
    try {
      const status = await work()
      if (status !== 'detached') await this.finish(job, store, status)
    } catch (err) {
      // The file system failed us (a full disk): say so, and still end the job.
      job.log?.error({ err, jobId: job.record.jobId }, `${this.label} job failed`)
      job.error = 'The provider failed while running the job.'
      await this.finish(job, store, STATUS.completed).catch(() => {})
    } finally {
      clearTimeout(timer)
      this.slots.release(job.record.owner)
      this.jobs.delete(job.record.jobId)
      publishJob(this.label, job.record, 'finished', this.slots, job.started)
    }
  }

  /** Prepares the folder, fetches inputs and algorithm, runs it. Answers the final status. */
  private async work (job: Job, store: JobStore, plan: JobPlan): Promise<FinalStatus | 'detached'> {
    const { record, layout, controller: { signal } } = job
    await store.save(record, { ...statusChange(STATUS.configuring), deadline: unixNow() + job.maxSeconds })
    await createLayout(layout, record.inputDID)
    for (const { documentId, sources, trusted } of plan.inputs) {
      for (const [index, source] of sources.entries()) {
        const failure = await this.fetch(job, source, inputFile(layout, documentId, index), this.options.downloads.input(trusted))
        if (failure !== undefined) return await this.fail(job, STATUS.dataFailed, `The dataset ${documentId} could not be fetched: ${failure}.`)
      }
    }
    if ('rawcode' in plan.algorithm) await writeFile(layout.algorithm, plan.algorithm.rawcode)
    else {
      const failure = await this.fetch(job, plan.algorithm.url, layout.algorithm, this.options.downloads.algorithm)
      if (failure !== undefined) return await this.fail(job, STATUS.algorithmFailed, `The algorithm could not be fetched: ${failure}.`)
    }
    const prepared = this.prepared(job, plan.entrypoint)
    try {
      await this.runner.provision(prepared, signal)
    } catch (err) {
      if (err instanceof RunFailure) return await this.fail(job, STATUS.algorithmFailed, err.message)
      throw err
    }
    if (signal.aborted) return STATUS.completed
    await this.advance(job, store, STATUS.provisioned)
    await this.advance(job, store, STATUS.running)
    return await this.outcome(job, prepared, this.runner.run(prepared, signal))
  }

  private prepared (job: Job, entrypoint: PreparedJob['entrypoint']): PreparedJob {
    const { record, layout } = job
    return {
      jobId: record.jobId,
      layout,
      entrypoint,
      container: record.container,
      inputDID: record.inputDID,
      algoDID: record.algoDID,
      log: new AlgorithmLog(layout.log, this.options.maxLogBytes),
      note: async text => await this.note(job, text)
    }
  }

  /** Waits for a run with its outputs watched, and turns how it ended into the job's final status. */
  private async outcome (job: Job, prepared: PreparedJob, running: Promise<RunOutcome>): Promise<FinalStatus | 'detached'> {
    prepared.log.open()
    // The log is capped as it is written; outputs are written by the algorithm itself, so they are
    // measured, by the same bounded walk as at the end, one walk at a time (a failed one is no verdict).
    let measuring = false
    const idle = () => { measuring = false }
    const watch = setInterval(() => {
      if (measuring) return
      measuring = true
      this.measureRunning(job).then(idle, idle)
    }, OUTPUT_CHECK_MS)
    try {
      const outcome = await running
      if ('detached' in outcome) return 'detached'
      job.exitCode = outcome.exitCode
      await this.note(job, outcome.summary)
      if (outcome.error !== undefined) job.error = outcome.error
      return STATUS.completed
    } catch (err) {
      if (err instanceof RunFailure) return await this.fail(job, STATUS.algorithmFailed, err.message)
      throw err
    } finally {
      clearInterval(watch)
      await prepared.log.close()
      if (prepared.log.cut) await this.note(job, `the algorithm's log was cut at ${prepared.log.maxBytes} bytes`)
    }
  }

  /** Ends a running job whose outputs and logs are past its caps, or take the engine's results past maxDiskBytes. */
  private async measureRunning ({ layout, record, controller }: Job): Promise<void> {
    const { overrun, bytes } = await measure(layout, this.options)
    if (overrun !== undefined) controller.abort('outputs')
    else if (this.disk.hold(record.jobId, bytes)) {
      // Its outputs are discarded as it ends: counted until then, they would end the next job measured too.
      this.disk.hold(record.jobId, 0)
      controller.abort('disk')
    }
  }

  /** Fetches one file; answers why it failed, or undefined. An abort is no failure: the job ends as stopped. */
  private async fetch (job: Job, source: string, destination: string, rules: DownloadRules): Promise<string | undefined> {
    try {
      await fetchTo(source, destination, job.controller.signal, rules)
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
    let kept = await keptResults(layout, this.options)
    let discarded = kept.overrun === undefined ? undefined : overrunError(kept.overrun, this.options)
    // Within its own caps, a job may still take the engine's results past maxDiskBytes.
    if (discarded === undefined && (reason === 'disk' || this.disk.hold(record.jobId, kept.bytes))) {
      kept = await discardResults(layout)
      discarded = `The provider's disk for results is full (maxDiskBytes ${this.options.maxDiskBytes}): the outputs and logs were discarded.`
    }
    if (discarded !== undefined) {
      job.error = discarded
      await this.note(job, discarded)
    }
    if (reason === 'timeout') await this.note(job, `the job ran out of its ${job.maxSeconds} seconds`)
    const results = await collectResults(layout, kept)
    this.disk.hold(record.jobId, bytesOf(results))
    await store.save(record, {
      ...this.ending(status, reason),
      exitCode: job.exitCode,
      results,
      ...(job.error === undefined ? {} : { error: job.error })
    })
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

  // Lines of the engine in its own log, where no algorithm writes, which the consumer can
  // fetch as a result. A line that cannot be written (the folder is gone) is no reason to fail the job.
  private async note (job: Job, text: string): Promise<void> {
    await appendFile(job.layout.engineLog, `[engine] ${text}\n`).catch(() => {})
  }
}
