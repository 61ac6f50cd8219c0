import type { FastifyInstance } from 'fastify'
import { validatorCompiler } from './validation.js'
import { errorHandler as defaultErrorHandler } from './error-handler.js'
import { serializeRequest } from './log.js'

/**
 * What every route profile sets up in its encapsulated context: the plugin's validator,
 * its error handler, JSON bodies as clients send them, and logs without signatures.
 */
export function setUpContext (fastify: FastifyInstance, errorHandler: typeof defaultErrorHandler = defaultErrorHandler): void {
  fastify.setValidatorCompiler(validatorCompiler())
  fastify.setErrorHandler(errorHandler)

  // A real client POSTs, PUTs and DELETEs with `Content-Type: application/json` and
  // no body at all: that is "no body", not a 400.
  const parseJson = fastify.getDefaultJsonParser('error', 'error')
  fastify.removeContentTypeParser('application/json')
  fastify.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
    if (body === '') done(null, undefined)
    else parseJson(request, body as string, done)
  })

  // Our routes log requests without their signatures; the host's other routes are untouched.
  fastify.addHook('onRoute', route => {
    route.logSerializers = { ...route.logSerializers, req: serializeRequest }
  })
}
