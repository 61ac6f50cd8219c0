import { randomBytes } from 'node:crypto'
import type { JobStatus } from '../../schemas/job.js'
import type { Workflow } from '../../schemas/workflow.js'

/** A one-stage workflow with a raw algorithm: what a route test starts when the workflow's contents do not matter. */
export const workflow: Workflow = { stages: [{ index: 0, input: [], compute: { Instances: 1, namespace: 'n', maxtime: 1 }, algorithm: { id: '' }, output: {} }] }

export interface NewJob {
  owner: string
  workflow: Pick<Workflow, 'stages'>
  documentId?: string | undefined
  agreementId?: string | undefined
}

/** A job as the operator-service records a start (spec section 3): status 1, nothing stopped or removed. */
export function newJob ({ owner, workflow, documentId, agreementId }: NewJob): JobStatus {
  const stage = workflow.stages[0]!
  return {
    jobId: randomBytes(16).toString('hex'),
    owner,
    agreementId: agreementId ?? '',
    documentId: documentId ?? '',
    inputDID: stage.input.map(input => input.id),
    algoDID: stage.algorithm.id === '' ? 'raw' : stage.algorithm.id,
    status: 1,
    statusText: 'Warming up',
    dateCreated: Math.floor(Date.now() / 1000),
    dateFinished: null,
    stopreq: 0,
    removed: 0,
    resultsUrl: '',
    algorithmLogUrl: '',
    resultsDid: ''
  }
}
