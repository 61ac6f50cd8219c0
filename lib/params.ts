import type { FastifyRequest } from 'fastify'
import sjson from 'secure-json-parse'
import { jsonFields } from '../schemas/params.js'

const JSON_FIELDS: ReadonlySet<string> = new Set(jsonFields)
const PARSE = { protoAction: 'error', constructorAction: 'error' } as const

function isRecord (value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

/**
 * Reads a route's parameters the way the reference provider and its clients expect
 * (spec section 1.1): the query string, or the JSON body when the query string is
 * empty; the first of repeated query keys; '' and, on optional fields, the literal
 * 'undefined' as absent; JSON text parsed in the JSON fields. Text that does not
 * parse is kept as text so that schema validation names the field.
 */
export function readParams (request: FastifyRequest, fields: readonly string[], required: ReadonlySet<string>): Record<string, unknown> {
  const query = request.query as Record<string, unknown>
  const fromQuery = Object.keys(query).length > 0
  const source = fromQuery ? query : (isRecord(request.body) ? request.body : {})
  const params: Record<string, unknown> = {}
  for (const field of fields) {
    let value = source[field]
    if (fromQuery && Array.isArray(value)) value = value[0]
    if (value === undefined || value === '' || (value === 'undefined' && !required.has(field))) continue
    if (typeof value === 'string' && JSON_FIELDS.has(field)) {
      try { value = sjson.parse(value, undefined, PARSE) } catch { /* validation names the field */ }
    }
    params[field] = value
  }
  return params
}
