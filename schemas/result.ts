import type { Readable } from 'node:stream'
import { Type, type TObject } from '@sinclair/typebox'
import { errorResponse as error, signedRouteErrors } from './errors.js'

/**
 * `GET <prefix>/computeResult` (the reference provider's route since v0.4.16):
 * one result file of a finished job, for the consumer who started it. The querystring
 * is `paramSchemas(limits).ResultParams`.
 */
export function resultSchema<Q extends TObject> (querystring: Q) {
  return {
    summary: 'computeResult',
    description: 'Download a result file of a compute job: its outputs and its logs, numbered as the job status lists them.',
    tags: ['services'],
    querystring,
    response: {
      // A stream is sent as it is, never serialized: the schema only documents it, as
      // bytes (OpenAPI would otherwise call it JSON). The real content type is the file's.
      200: {
        description: 'The file, with its content type and length.',
        content: { 'application/octet-stream': { schema: Type.Unsafe<Readable>({ type: 'string', format: 'binary' }) } }
      },
      ...signedRouteErrors('Consumer signature is invalid or failed verification.'),
      404: error('No such result of a job of this consumer, or a provider that serves no results.')
    }
  } as const
}
