// Type tests: compiled by `npm run typecheck` (tsc), never run. Each `@ts-expect-error`
// fails the build if the line it marks stops being an error.
import Fastify from 'fastify'
import compute, {
  personalSignVerifier, type ComputeOperator, type ComputeVerifier, type JobStatus, type OperatorContext, type OperatorQuery
} from '../../lib/index.js'

declare const operator: ComputeOperator
const app = Fastify()

// The decorators are typed by declaration merging.
app.decorate('computeOperator', operator)
app.decorate('computeVerifier', personalSignVerifier())
// @ts-expect-error a computeOperator must be an operator
app.decorate('computeOperator', { start: 1 })
// @ts-expect-error a computeVerifier must have verify()
app.decorate('computeVerifier', 'yes')
const fromDecorator: ComputeOperator | undefined = app.computeOperator
const verifierFromDecorator: ComputeVerifier | undefined = app.computeVerifier

// Options are typed, and so are the arguments of every hook.
await app.register(compute, {
  prefix: '/api/v1/services',
  operator,
  requireSignedStatus: true,
  operatorTimeout: 5000,
  buildWorkflow ({ params, address, request }) {
    const documentId: string | undefined = params.documentId
    const rawcode: string | undefined = params.algorithmMeta?.rawcode
    const consumer: string = address
    request.log.info({ documentId, consumer })
    // @ts-expect-error output is an object, not a string
    const output: string = params.output
    return { stages: [{ index: 0, input: [], compute: { Instances: 1, namespace: 'n', maxtime: 1 }, algorithm: { id: '', rawcode }, output: { output } }] }
  },
  verifier: personalSignVerifier({
    buildMessage ({ action, params }) {
      const a: 'start' | 'status' | 'stop' | 'delete' | 'result' = action
      const jobId: string | undefined = params.jobId
      return a + params.consumerAddress + (jobId ?? '')
    },
    checkSignature ({ address, message, signature }) {
      const all: string = address + message + signature
      return all.length > 0
    }
  })
})

// @ts-expect-error requireSignedStatus is a boolean
await app.register(compute, { operator, requireSignedStatus: 'yes' })
// @ts-expect-error operatorTimeout is a number
await app.register(compute, { operator, operatorTimeout: '5s' })

// An operator's methods get typed queries and contexts, and answer job status objects.
export const typedOperator: ComputeOperator = {
  async start (request, ctx: OperatorContext): Promise<JobStatus[]> {
    const owner: string = request.owner
    ctx.signal.throwIfAborted()
    return [{ jobId: '1', owner, status: 1, statusText: 'Warming up' }]
  },
  async status (query: OperatorQuery) { return query.jobId === undefined ? [] : [] },
  async stop () { return [] },
  // @ts-expect-error status must be a number
  async delete () { return [{ jobId: '1', status: 'gone', statusText: '' }] }
}

export { fromDecorator, verifierFromDecorator }
