import type { OperatorQuery, OperatorStartRequest } from '../lib/index.js'
import type { JobStatus } from '../schemas/job.js'
import { MemoryOperator } from '../test/helpers/memory-operator.js'
import { newJob } from '../test/helpers/jobs.js'
import { alice, bob, DID } from '../test/helpers/sign.js'

/** Who the benches sign as, and the dataset their status requests ask about. */
export { alice as consumer, DID }

const ALGORITHM = 'did:op:' + 'b'.repeat(64)
const WORKFLOW = { stages: [{ index: 0, input: [{ index: 0, id: DID, url: [] }], compute: { Instances: 1, namespace: 'n', maxtime: 1 }, algorithm: { id: ALGORITHM }, output: {} }] }

// A running job with a fixed id and date, so that both sides serialize the same bytes.
function job (n: number, owner: string): JobStatus {
  const agreementId = '0x' + String(n).padStart(64, '0')
  return { ...newJob({ owner, workflow: WORKFLOW, documentId: DID, agreementId }), jobId: `job-${n}`, status: 40, statusText: 'Running algorithm', dateCreated: 1_700_000_000 + n }
}

/**
 * The tests' in-memory operator, with three jobs of the consumer's and two of
 * someone else's, kept at that size: a bench run makes a hundred thousand calls,
 * and neither side should pay for a growing job table or call log.
 */
export class BenchOperator extends MemoryOperator {
  constructor () {
    super()
    for (const [n, owner] of [alice, alice, alice, bob, bob].map((account, n) => [n, account.address] as const)) {
      this.jobs.set(`job-${n}`, job(n, owner))
    }
  }

  override async start (request: OperatorStartRequest): Promise<JobStatus[]> {
    const jobs = await super.start(request)
    this.jobs.delete(jobs[0]!.jobId)
    this.calls.length = 0
    return jobs
  }

  override async status (query: OperatorQuery): Promise<JobStatus[]> {
    this.calls.length = 0
    return await super.status(query)
  }
}
