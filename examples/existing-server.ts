// An existing Fastify application (its own routes, its own error handler) that
// becomes a compute-to-data provider by registering the plugin under a prefix.
// It overrides one verifier hook: signatures are checked as usual, but addresses
// on a deny list are refused before any curve arithmetic.
import Fastify, { type FastifyError, type FastifyInstance } from 'fastify'
import compute, { personalSignVerifier, defaultCheckSignature, type ComputeOperator } from 'fastify-ocean-compute'

export interface ExistingServerOptions {
  operator: ComputeOperator
  /** Consumers this provider refuses to serve, whatever they sign. */
  denied?: string[]
  logger?: boolean
}

export async function buildExistingServer ({ operator, denied = [], logger = false }: ExistingServerOptions): Promise<FastifyInstance> {
  const app = Fastify({ logger })

  // What the application had before it became a provider.
  app.setErrorHandler((err: FastifyError, request, reply) => {
    request.log.error({ err }, 'request failed')
    reply.code(err.statusCode ?? 500).send({ ok: false, reason: err.message })
  })
  app.get('/health', async () => ({ ok: true }))
  app.get('/orders/:id', async (request) => {
    const { id } = request.params as { id: string }
    if (id !== '1') throw Object.assign(new Error(`no order ${id}`), { statusCode: 404 })
    return { ok: true, order: { id, paid: true } }
  })

  const deny = new Set(denied.map(address => address.toLowerCase()))
  await app.register(compute, {
    prefix: '/api/v1/services',
    operator,
    verifier: personalSignVerifier({
      checkSignature: async check => !deny.has(check.address.toLowerCase()) && await defaultCheckSignature(check)
    })
  })
  return app
}
