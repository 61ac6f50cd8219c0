import type { Readable } from 'node:stream'
import type { FastifyBaseLogger } from 'fastify'
import type { JobStatus } from '../../schemas/job.js'
import type { Workflow } from '../../schemas/workflow.js'
import type { ComputeEnvironment } from '../../schemas/modern/environment.js'

/** What every operator call gets besides its parameters. */
export interface OperatorContext {
  /** Aborted when the client goes away or the plugin's `operatorTimeout` passes. */
  signal: AbortSignal
  log: FastifyBaseLogger
}

/** A new job (spec section 2, POST). */
export interface OperatorStartRequest {
  workflow: Workflow
  /** The consumer who starts the job. */
  owner: string
  documentId?: string
  /** The transferTxId of the order that paid for the job. */
  agreementId?: string
}

/** Selects jobs (spec section 2, GET/PUT/DELETE). A missing field means "any". */
export interface OperatorQuery {
  owner: string
  jobId?: string
  documentId?: string
  agreementId?: string
}

/** Selects one result file of a job (the computeResult route). */
export interface ResultQuery {
  owner: string
  jobId: string
  /** Position in the job's list of results, from 0. */
  index: number
}

/** Selects one job whose log to follow (the current wire's computeStreamableLogs). */
export interface LogQuery {
  owner: string
  jobId: string
}

/** A result file, ready to stream to the client. */
export interface ResultFile {
  /** The download name. Default: the `filename` the job's status lists for it. */
  name?: string
  /** Bytes, sent as Content-Length; unknown (a chunked answer) when not given. */
  size?: number
  contentType: string
  stream: Readable
}

/**
 * Runs compute jobs. Every method answers an array of job status objects
 * (`[]` when nothing matched). Throw an error with a 4xx `statusCode` to refuse a
 * request (its status and message reach the client); any other error is answered
 * with 503.
 */
export interface ComputeOperator {
  start(request: OperatorStartRequest, ctx: OperatorContext): Promise<JobStatus[]>
  status(query: OperatorQuery, ctx: OperatorContext): Promise<JobStatus[]>
  stop(query: OperatorQuery, ctx: OperatorContext): Promise<JobStatus[]>
  delete(query: OperatorQuery, ctx: OperatorContext): Promise<JobStatus[]>
  /**
   * Result `index` of a job of `owner`, or undefined when there is none (the route
   * answers 404). Without this method the computeResult route answers 404.
   */
  result?(query: ResultQuery, ctx: OperatorContext): Promise<ResultFile | undefined>
  /**
   * Resolves once the operator can serve; the plugin awaits it at registration, so an
   * operator that cannot work (an unusable folder) stops Fastify from starting.
   */
  ready?(): Promise<void>
  /**
   * The compute environments it offers the current wire (oceanNodeCompute), each with
   * its free tier. Without this method that plugin describes one from its options.
   */
  environments?(ctx: OperatorContext): Promise<ComputeEnvironment[]> | ComputeEnvironment[]
  /**
   * The log of a running job of `owner` as it is written, a stream that ends with the
   * job; undefined when no such job runs (the route answers 404). Without this method
   * the current wire lists no computeStreamableLogs.
   */
  logs?(query: LogQuery, ctx: OperatorContext): Promise<Readable | undefined>
  /** Releases what the operator holds (sockets, timers, processes). */
  close?(): Promise<void> | void
}
