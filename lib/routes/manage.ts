import type { ResolvedOptions } from '../options.js'
import { callOperator } from '../operator/call.js'
import { assertValid, operatorQuery, ownJobs, paramsFrom, verified, type TypedInstance } from './common.js'

// PUT (stop) and DELETE (delete) differ only in the operator method they call.
function manageRoute (method: 'PUT' | 'DELETE', action: 'stop' | 'delete') {
  return function register (fastify: TypedInstance, options: ResolvedOptions): void {
    const { operator, operatorTimeout } = options
    const schema = options.schemas[action]
    fastify.route({
      method,
      url: '/compute',
      schema,
      attachValidation: true,
      bodyLimit: options.bodyLimit,
      preValidation: paramsFrom(schema.querystring, options.limits),
      async handler (request, reply) {
        const params = request.query
        assertValid(request)
        const address = await verified(options, action, request, params)
        const query = operatorQuery(params, address)
        // Ownership is enforced here, not left to the operator (the real operator-service
        // ignores some filters): find the consumer's own jobs first, then act on each by
        // its id, so a careless operator can never stop or delete someone else's job.
        const mine = await ownJobs(options, request, reply, query)
        const ids = new Set(mine.map(job => job.jobId))
        const done = await Promise.all([...ids].map(async jobId =>
          await callOperator(request, reply, operatorTimeout, ctx => operator[action]({ ...query, jobId }, ctx))))
        return done.flat().filter(job => ids.has(job.jobId))
      }
    })
  }
}

/** PUT compute (computeStop): stops the consumer's matching jobs and answers them with `stopreq` 1. */
export const stopRoute = manageRoute('PUT', 'stop')

/** DELETE compute (computeDelete): deletes the consumer's matching jobs and answers them with `removed` 1. */
export const deleteRoute = manageRoute('DELETE', 'delete')
