import type { FastifyRequest } from 'fastify'
import { jsonFields, type ParamLimits } from '../schemas/params.js'
import { invalidParams } from './validation.js'
import { parseUntrustedJson } from './json.js'

const JSON_FIELDS: ReadonlySet<string> = new Set(jsonFields)

function isRecord (value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

// Iterative, so that a hostile nesting cannot overflow the stack while we measure it.
function deeperThan (value: unknown, max: number): boolean {
  let level: unknown[] = [value]
  for (let depth = 0; level.length > 0; depth++) {
    if (depth > max) return true
    const next: unknown[] = []
    for (const item of level) {
      if (typeof item === 'object' && item !== null) for (const child of Object.values(item)) next.push(child)
    }
    level = next
  }
  return false
}

function refuse (field: string, problem: string): never {
  throw invalidParams({ [field]: [`The ${field} field ${problem}`] })
}

/** A JSON field's value: JSON text parsed, bounded in length and depth. Text that does not parse is kept for validation to name. */
function jsonValue (field: string, value: unknown, limits: ParamLimits): unknown {
  if (typeof value === 'string') {
    if (value.length > limits.jsonLength) refuse(field, `may not be longer than ${limits.jsonLength} characters.`)
    try { value = parseUntrustedJson(value, 'error') } catch { return value }
  }
  if (deeperThan(value, limits.jsonDepth)) refuse(field, `may not be nested deeper than ${limits.jsonDepth} levels.`)
  return value
}

/**
 * Reads a route's parameters the way the reference provider and its clients expect
 * (spec section 1.1): the query string, or the JSON body when the query string is
 * empty; the first of repeated query keys; '' and, on optional fields, the literal
 * 'undefined' as absent; JSON text parsed in the JSON fields.
 */
export function readParams (request: FastifyRequest, fields: readonly string[], required: ReadonlySet<string>, limits: ParamLimits): Record<string, unknown> {
  const query = request.query as Record<string, unknown>
  const fromQuery = Object.keys(query).length > 0
  const source = fromQuery ? query : (isRecord(request.body) ? request.body : {})
  const params: Record<string, unknown> = {}
  for (const field of fields) {
    let value = source[field]
    if (fromQuery && Array.isArray(value)) value = value[0]
    if (value === undefined || value === '' || (value === 'undefined' && !required.has(field))) continue
    params[field] = JSON_FIELDS.has(field) ? jsonValue(field, value, limits) : value
  }
  return params
}
