import Fastify, { type FastifyInstance } from 'fastify'
import compute, { type ComputePluginOptions } from '../../lib/index.js'
import { MemoryOperator } from './memory-operator.js'

export const PREFIX = '/api/v1/services'
export const COMPUTE_PATH = `${PREFIX}/compute`

/** A server with the plugin under `prefix` (default: the real clients') and an in-memory operator. */
export async function build (options: ComputePluginOptions = {}, prefix = PREFIX): Promise<{ app: FastifyInstance, operator: MemoryOperator }> {
  const operator = new MemoryOperator()
  const app = Fastify()
  await app.register(compute, { prefix, operator, ...options })
  await app.ready()
  return { app, operator }
}
