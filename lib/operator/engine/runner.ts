import type { Entrypoint } from './entrypoint.js'
import type { AlgorithmLog } from './job-log.js'
import type { JobLayout } from './layout.js'
import type { JobRecord } from './record.js'

/** A job whose folder holds its inputs and its algorithm: what a runner runs. */
export interface PreparedJob {
  jobId: string
  layout: JobLayout
  entrypoint: Entrypoint
  /** The algorithm's container as the consumer asked for it. */
  container: JobRecord['container']
  inputDID: readonly string[]
  algoDID: string
  /** Where a runner hands the algorithm's stdout and stderr: capped as written, closed by the engine. */
  log: AlgorithmLog
  /** Adds an engine line to the job's engine log. */
  note: (text: string) => Promise<void>
}

/**
 * Why a runner could not provision or run an algorithm, in words for the consumer
 * (the job ends at 32 with it as its `error`): thrown by `provision` and `run`.
 */
export class RunFailure extends Error {}

/** How a run ended. */
export type RunOutcome =
  /** The algorithm ran and ended: its exit code (null when killed), a line for the log, and what went wrong, if the runner knows. */
  | { exitCode: number | null, summary: string, error?: string }
  /** The engine was closed and the algorithm left running for the next engine on the same dataDir. */
  | { detached: true }

/**
 * How an engine runs algorithms: the seam between the job machine (engine.ts)
 * and a process or a container. A run's signal aborts with the engine's reason:
 * 'stop', 'timeout', 'outputs' or 'shutdown'.
 */
export interface AlgorithmRunner {
  /** Reads a job's entrypoint when it is started; throws a 4xx error for one this runner refuses. */
  entrypoint: (entrypoint: string | undefined) => Entrypoint
  /** Throws when no job can start now (answered 503). */
  ready?: () => Promise<void>
  /** Readies what the algorithm runs in, before status 40; throws a RunFailure when it cannot. */
  provision: (job: PreparedJob, signal: AbortSignal) => Promise<void>
  /** Runs the algorithm to its end; throws a RunFailure when it cannot be started. */
  run: (job: PreparedJob, signal: AbortSignal) => Promise<RunOutcome>
  /**
   * After a restart: of these jobs, recorded as running, the ones still running outside this
   * process, each with a wait for its end; the others are ended as interrupted. Undefined when
   * the runner cannot tell now: the jobs are left as they are, for a later start to look again.
   */
  recover?: (jobIds: string[]) => Promise<Map<string, (job: PreparedJob, signal: AbortSignal) => Promise<RunOutcome>> | undefined>
  close?: () => Promise<void>
}
