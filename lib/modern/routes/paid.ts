import { NotImplementedError } from '../../errors.js'
import type { TypedInstance } from '../../routes/common.js'
import { errorResponse as error } from '../../../schemas/errors.js'

const PAID = 'Paid compute (escrow on Ocean\'s V4 contracts) is not offered by this provider: use freeCompute, or its v0.4 wire for ordered jobs.'

// Described for OpenAPI; no parameters are read, so none are validated.
const schema = (summary: string) => ({ summary, tags: ['current wire'], response: { 501: error('Paid compute is not offered.') } })

/** POST compute (computeStart) and POST initializeCompute: a 501 whose message clients report (ocean.js throws it as the error's text). */
export function paidRoutes (fastify: TypedInstance): void {
  const refuse = async (): Promise<never> => { throw new NotImplementedError(PAID) }
  fastify.post('/compute', { schema: schema('computeStart') }, refuse)
  fastify.post('/initializeCompute', { schema: schema('initializeCompute') }, refuse)
}
