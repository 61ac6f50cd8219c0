import type { FastifyRequest } from 'fastify'
import type { StartParams } from '../schemas/params.js'
import type { Workflow } from '../schemas/workflow.js'

export interface BuildWorkflowInput {
  params: StartParams
  /** The address the verifier accepted. */
  address: string
  request: FastifyRequest
  /**
   * Aborted, with a 503 error as its reason, once the plugin's `operatorTimeout` has
   * passed since the workflow began to be built: lookups and order checks end with it.
   */
  signal: AbortSignal
  /**
   * Registers something to give back (a use of an order taken for this job) when the
   * start fails after it: the builder refuses it later, or the operator refuses the job
   * or fails to start it.
   */
  onStartFailed: (giveBack: () => Promise<void>) => void
}

/**
 * Turns a start request into the operator's workflow. Throw an error with a 4xx
 * `statusCode` (an unknown dataset, an unpaid order) to refuse the job.
 */
export type BuildWorkflow = (input: BuildWorkflowInput) => Workflow | Promise<Workflow>

function documentIdOf (input: Record<string, unknown>): string | undefined {
  const id = input.documentId ?? input.did
  return typeof id === 'string' && id !== '' ? id : undefined
}

/**
 * The default of spec section 4: the request's dataset and additional inputs by id
 * (no file URLs: resolving them is the host's business), its algorithm and output.
 */
export function defaultBuildWorkflow ({ params }: Pick<BuildWorkflowInput, 'params'> & Partial<BuildWorkflowInput>): Workflow {
  const ids = [params.documentId, ...(params.additionalInputs ?? []).map(documentIdOf)]
    .filter((id): id is string => id !== undefined)
  return {
    stages: [{
      index: 0,
      input: ids.map((id, index) => ({ index, id, url: [] })),
      compute: { Instances: 1, namespace: 'ocean-compute', maxtime: 3600 },
      algorithm: { ...params.algorithmMeta, id: params.algorithmDid ?? '' },
      output: params.output
    }]
  }
}
