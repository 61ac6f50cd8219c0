import { Type, type TObject } from '@sinclair/typebox'
import { paramSchemas, defaultLimits, NonceQuery, NonceReply, type ParamLimits } from './params.js'
import { JobStatus, redactedFields } from './job.js'
import { errorResponse as error, signedRouteErrors } from './errors.js'
import { resultSchema } from './result.js'

// Route schemas: summary, description and tags come from the reference provider's
// documentation (the seed), so a generated OpenAPI document reads like its own.
const tags = ['services']

const ok = 'Call to the operator-service was successful.'
const badSignature = 'Consumer signature is invalid or failed verification.'

function route<Q extends TObject> (summary: string, description: string, querystring: Q, unauthorized = badSignature) {
  return {
    summary,
    description,
    tags,
    querystring,
    response: {
      200: Type.Array(JobStatus, { description: ok }),
      ...signedRouteErrors(unauthorized),
      '4xx': error('The request was refused (also a 4xx passed on from the operator).')
    }
  }
}

/** The four route schemas under the given limits. */
export function routeSchemas (limits: ParamLimits = defaultLimits) {
  const { StartParams, JobParams, ResultParams } = paramSchemas(limits)
  return {
    start: route('computeStart', 'Call the execution of a workflow. Parameters come from the query string or, when the query string is empty, from a JSON body.', StartParams),
    status: route('computeStatus', `Get status for a specific jobId/documentId/owner. Without a valid signature the jobs are redacted (no ${redactedFields.join(', ')}).`, JobParams),
    stop: route('computeStop', 'Stop the execution of a workflow.', JobParams),
    delete: route('computeDelete', 'Deletes a workflow.', JobParams, 'Invalid asset data.'),
    result: resultSchema(ResultParams)
  }
}

export type RouteSchemas = ReturnType<typeof routeSchemas>

/** `GET <prefix>/nonce` (the reference provider's route), registered when a nonce store is configured. */
export const nonceSchema = {
  summary: 'nonce',
  description: 'The current nonce of a consumer: the next signed request signs it after the documentId (or sends a nonce at least this great).',
  tags,
  querystring: NonceQuery,
  response: {
    200: NonceReply,
    400: error('The userAddress is missing or malformed.'),
    503: error('The nonce store could not be reached.')
  }
} as const
