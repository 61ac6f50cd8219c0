import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify'
import { httpStatusOf, isClientStatus } from './http-status.js'
import type { FieldErrors } from './validation.js'

/** The status the error handler answers `err` with: its own when a 4xx or 503, else 500. */
export function answeredStatus (err: unknown): number {
  const status = httpStatusOf(err)
  return isClientStatus(status) || status === 503 ? status : 500
}

/**
 * The plugin's error handler (inside its encapsulated context only): every error
 * answers `{ "error": sentence }`. 4xx and 503 messages are written for clients;
 * anything else is a bug of ours or of a host hook, logged and answered 500
 * without details.
 */
export function errorHandler (err: FastifyError & { errors?: FieldErrors }, request: FastifyRequest, reply: FastifyReply) {
  const status = answeredStatus(err)
  if (status !== 500) {
    if (status !== 503) request.log.info({ code: err.code, status }, err.message)
    return reply.code(status).send(err.errors === undefined ? { error: err.message } : { error: err.message, errors: err.errors })
  }
  request.log.error({ err }, 'compute route failed')
  return reply.code(500).send({ error: 'Internal Server Error' })
}
