import type { FastifyReply, FastifyRequest, FastifySchema } from 'fastify'
import type { Static, TObject } from '@sinclair/typebox'
import { invalidParams, type FieldErrors } from '../validation.js'
import { assertValid } from '../routes/params-route.js'
import type { TypedInstance } from '../routes/common.js'

/** A POST route of the current wire, whose parameters are its JSON body. */
export interface BodyRoute<B extends TObject> {
  url: string
  schema: FastifySchema & { body: B }
  bodyLimit: number
  check?: (body: Static<B>) => FieldErrors | undefined
  handler: (body: Static<B>, request: FastifyRequest, reply: FastifyReply) => Promise<unknown>
}

const NO_BODY = { body: ['A JSON body is required.'] }
const NOT_AN_OBJECT = { body: ['The body must be a JSON object.'] }

/** Registers `route` with the first profile's 400 (every problem per field) before its handler runs, as paramsRoute does for query strings. */
export function bodyRoute<B extends TObject> (fastify: TypedInstance, route: BodyRoute<B>): void {
  const { handler, check } = route
  fastify.route({
    method: 'POST',
    url: route.url,
    schema: route.schema,
    bodyLimit: route.bodyLimit,
    attachValidation: true,
    handler (request, reply) {
      if (request.body === undefined || request.body === null) throw invalidParams(NO_BODY)
      // A list, a string or text/plain: the schema's error would name a field with no name.
      if (typeof request.body !== 'object' || Array.isArray(request.body)) throw invalidParams(NOT_AN_OBJECT)
      const body = request.body as Static<B>
      assertValid(request, request.validationError === undefined ? check?.(body) : undefined)
      return handler(body, request, reply)
    }
  })
}
