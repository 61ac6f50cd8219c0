import type { FastifyReply, FastifyRequest, FastifySchema, HTTPMethods, onErrorHookHandler, preValidationHookHandler } from 'fastify'
import type { Static, TObject } from '@sinclair/typebox'
import type { ParamLimits } from '../../schemas/params.js'
import { readParams } from '../params.js'
import { invalidParams, schemaProblems, type FieldErrors } from '../validation.js'
import type { TypedInstance } from './common.js'

/** A route of the plugin: its handler is only ever handed parameters that passed validation. */
export interface ParamsRoute<Q extends TObject> {
  method: HTTPMethods
  url: string
  schema: FastifySchema & { querystring: Q }
  /**
   * Reads the parameters as the spec's routes do (section 1.1: the query string, or the
   * JSON body when it is empty) under these limits, with this body limit. Without it,
   * the parameters are the query string as Fastify parses it (the nonce route).
   */
  spec?: { limits: ParamLimits, bodyLimit: number }
  /** Problems the schema cannot express (a rule across fields), reported with its own. */
  check?: (params: Static<Q>) => FieldErrors | undefined
  handler: (params: Static<Q>, request: FastifyRequest, reply: FastifyReply) => Promise<unknown>
  /** Runs once the route's error, from any step, has been answered. */
  onError?: onErrorHookHandler
}

/**
 * Registers `route` with the spec's 400 (section 1.3: the first problem as `error`, all of
 * them as `errors`) for parameters that the schema or `check` refuses, before the handler
 * runs: no route can forget to validate. Validation is attached rather than thrown by
 * Fastify so that the problems of the schema and of `check` are reported together.
 */
export function paramsRoute<Q extends TObject> (fastify: TypedInstance, route: ParamsRoute<Q>): void {
  const { handler, check, spec } = route
  fastify.route({
    method: route.method,
    url: route.url,
    schema: route.schema,
    attachValidation: true,
    bodyLimit: spec?.bodyLimit,
    preValidation: spec === undefined ? undefined : paramsFrom(route.schema.querystring, spec.limits),
    onError: route.onError,
    // Not async, and made once per route: a request costs no promise or closure more than the route's own handler.
    handler (request, reply) {
      const params = request.query as Static<Q>
      assertValid(request, check?.(params))
      return handler(params, request, reply)
    }
  })
}

/** A preValidation hook that puts the route's parameters, wherever they came from, in `request.query`. */
function paramsFrom (schema: TObject, limits: ParamLimits): preValidationHookHandler {
  const fields = Object.keys(schema.properties)
  const required = new Set(schema.required)
  return function readComputeParams (request, _reply, done) {
    try {
      request.query = readParams(request, fields, required, limits)
      done()
    } catch (err) {
      done(err as Error)
    }
  }
}

/** Throws the spec's 400 when schema validation (attached to the request) or `extra` found problems. */
export function assertValid (request: FastifyRequest, extra: FieldErrors | undefined): void {
  // The common case, on every request: nothing to gather.
  if (request.validationError === undefined && extra === undefined) return
  const errors = schemaProblems(request.validationError?.validation ?? [])
  for (const [field, problems] of Object.entries(extra ?? {})) (errors[field] ??= []).push(...problems)
  if (Object.keys(errors).length > 0) throw invalidParams(errors)
}
