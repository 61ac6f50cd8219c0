import type { ComputeOperator, OperatorContext, OperatorQuery, OperatorStartRequest } from '../../lib/index.js'
import type { JobStatus } from '../../schemas/job.js'
import { newJob } from './jobs.js'

/**
 * An in-memory operator that behaves like the operator-service of spec sections 2
 * and 3: jobs belong to an owner, every answer is an array of job status objects
 * (`[]` when nothing matched), stop sets `stopreq` 1 and ends the job at 70,
 * delete answers the jobs with `removed` 1 and forgets them.
 */
export class MemoryOperator implements ComputeOperator {
  readonly jobs = new Map<string, JobStatus>()
  readonly calls: Array<{ method: string, arg: OperatorStartRequest | OperatorQuery }> = []
  closed = 0

  async start (request: OperatorStartRequest, _ctx?: OperatorContext): Promise<JobStatus[]> {
    this.calls.push({ method: 'start', arg: request })
    const job = newJob(request)
    this.jobs.set(job.jobId, job)
    return [{ ...job }]
  }

  private match (query: OperatorQuery): JobStatus[] {
    return [...this.jobs.values()].filter(job =>
      job.owner?.toLowerCase() === query.owner.toLowerCase() &&
      (query.jobId === undefined || job.jobId === query.jobId) &&
      (query.documentId === undefined || job.documentId === query.documentId))
  }

  async status (query: OperatorQuery, _ctx?: OperatorContext): Promise<JobStatus[]> {
    this.calls.push({ method: 'status', arg: query })
    return this.match(query).map(job => ({ ...job }))
  }

  async stop (query: OperatorQuery, _ctx?: OperatorContext): Promise<JobStatus[]> {
    this.calls.push({ method: 'stop', arg: query })
    return this.match(query).map(job => {
      Object.assign(job, { stopreq: 1, status: 70, statusText: 'Job completed', dateFinished: Math.floor(Date.now() / 1000) })
      return { ...job }
    })
  }

  async delete (query: OperatorQuery, _ctx?: OperatorContext): Promise<JobStatus[]> {
    this.calls.push({ method: 'delete', arg: query })
    return this.match(query).map(job => {
      this.jobs.delete(job.jobId)
      return { ...job, removed: 1 }
    })
  }

  async close (): Promise<void> {
    this.closed++
  }
}
