// README.md's snippet, as it stands there: type-checked by `npm run typecheck`, matched by test/docs/readme.test.ts.
/* eslint-disable @typescript-eslint/no-unused-vars */
import type { Readable } from 'node:stream'
import type { ComputeEnvironment, JobStatus, OperatorContext, OperatorQuery, OperatorStartRequest, ResultFile, ResultQuery } from 'fastify-ocean-compute'
interface ComputeOperator {
  start (request: OperatorStartRequest, ctx: OperatorContext): Promise<JobStatus[]>   // { workflow, owner, documentId?, agreementId? }
  status (query: OperatorQuery, ctx: OperatorContext): Promise<JobStatus[]>           // { owner, jobId?, documentId?, agreementId? }
  stop (query: OperatorQuery, ctx: OperatorContext): Promise<JobStatus[]>
  delete (query: OperatorQuery, ctx: OperatorContext): Promise<JobStatus[]>
  result? (query: ResultQuery, ctx: OperatorContext): Promise<ResultFile | undefined> // { owner, jobId, index }
  ready? (): Promise<void>                                                            // awaited at registration
  environments? (ctx: OperatorContext): Promise<ComputeEnvironment[]> | ComputeEnvironment[] // oceanNodeCompute
  logs? (query: { owner: string, jobId: string }, ctx: OperatorContext): Promise<Readable | undefined> // oceanNodeCompute
  close? (): Promise<void> | void
}
