import { Ajv, type ErrorObject } from 'ajv'
import type { FastifySchemaCompiler } from 'fastify'
import { ADDRESS_PATTERN } from '../schemas/params.js'
import { InvalidParamsError } from './errors.js'

/**
 * The plugin's own validator: Fastify's defaults (coercion, unknown parameters
 * dropped) plus allErrors, so that a 400 lists every problem, not only the first.
 */
export function validatorCompiler (): FastifySchemaCompiler<unknown> {
  const ajv = new Ajv({ allErrors: true, coerceTypes: 'array', useDefaults: true, removeAdditional: true, strict: true })
  return ({ schema }) => ajv.compile(schema as object)
}

// Parameters arrive as text; name the JSON kinds as a client would write them.
const TYPE_NAMES: Record<string, string> = {
  object: 'a JSON object',
  array: 'a JSON array',
  string: 'a string',
  integer: 'a whole number'
}

function sentence (error: ErrorObject, name: string): string {
  const p = error.params as Record<string, unknown>
  switch (error.keyword) {
    case 'required': return `The ${name} field is required.`
    case 'type': return `The ${name} field must be ${TYPE_NAMES[String(p.type)] ?? String(p.type)}.`
    case 'pattern': return p.pattern === ADDRESS_PATTERN
      ? `The ${name} field must be an Ethereum address (0x followed by 40 hex characters).`
      : `The ${name} field has an invalid format.`
    case 'maxLength': return `The ${name} field may not be longer than ${String(p.limit)} characters.`
    case 'maxItems': return `The ${name} field may not have more than ${String(p.limit)} items.`
    default: return `The ${name} field is invalid.`
  }
}

function fieldOf (error: ErrorObject): string {
  const path = error.instancePath.slice(1).split('/').filter(Boolean)
  if (error.keyword === 'required') path.push(String((error.params as { missingProperty: string }).missingProperty))
  return path.join('.')
}

/** Problems per field, in the order they were found. */
export type FieldErrors = Record<string, string[]>

/** Schema validation problems (ajv's) as sentences per field. */
export function schemaProblems (validation: readonly ErrorObject[]): FieldErrors {
  const errors: FieldErrors = {}
  for (const error of validation) {
    const field = fieldOf(error)
    ;(errors[field] ??= []).push(sentence(error, field))
  }
  return errors
}

/** The 400 of spec section 1.3: the first problem as `error`, all of them as `errors`. `errors` must not be empty. */
export function invalidParams (errors: FieldErrors): InstanceType<typeof InvalidParamsError> & { errors: FieldErrors } {
  const first = Object.values(errors)[0]![0]!
  return Object.assign(new InvalidParamsError(first), { errors })
}
