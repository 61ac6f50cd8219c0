import { subscribe, unsubscribe } from 'node:diagnostics_channel'
import { CHANNELS, type ComputeOperator, type JobMessage, type OperatorContext, type Workflow } from '../../lib/index.js'

/** Ten consumers: the first is greedy. */
export const CONSUMERS = Array.from({ length: 10 }, (_, index) => `0x${String(index).repeat(40)}`)
export const [GREEDY] = CONSUMERS as [string]

export interface FairnessRun {
  /** The owners of the jobs in the order they left the queue. */
  order: string[]
  /** Where the greedy consumer's third job left the queue, and where each of the nine others' did. */
  greedyThird: number
  others: number[]
}

/**
 * The greedy consumer starts `greedyJobs` jobs at once, then the nine others one each;
 * answers the order in which they left the queue, once the nine have all left it.
 */
export async function fairnessRun (operator: ComputeOperator, workflow: Workflow, ctx: OperatorContext, greedyJobs = 100): Promise<FairnessRun> {
  const order: string[] = []
  let done: () => void
  const allOthers = new Promise<void>(resolve => { done = resolve })
  const listener = (message: unknown) => {
    const { state, owner } = message as JobMessage
    if (state !== 'running') return
    order.push(owner)
    if (CONSUMERS.slice(1).every(other => order.includes(other))) done()
  }
  subscribe(CHANNELS.job, listener)
  try {
    const start = async (owner: string) => await operator.start({ workflow, owner, documentId: workflow.stages[0]!.input[0]!.id }, ctx)
    await Promise.all(Array.from({ length: greedyJobs }, async () => await start(GREEDY)))
    await Promise.all(CONSUMERS.slice(1).map(start))
    await allOthers
  } finally {
    unsubscribe(CHANNELS.job, listener)
  }
  const greedy = order.flatMap((owner, index) => owner === GREEDY ? [index] : [])
  return { order, greedyThird: greedy[2] ?? Infinity, others: CONSUMERS.slice(1).map(owner => order.indexOf(owner)) }
}
