import { Type } from '@sinclair/typebox'
import { paramSchemas, defaultLimits, NonceQuery, NonceReply, type ParamLimits } from './params.js'
import { JobStatus } from './job.js'
import { ErrorBody } from './errors.js'

// Route schemas: summary, description and tags come from the reference provider's
// documentation (the seed), so a generated OpenAPI document reads like its own.
const tags = ['services']

const error = (description: string) => Type.Object(ErrorBody.properties, { description })

const response = (ok: string, unauthorized: string, unavailable: string) => ({
  200: Type.Array(JobStatus, { description: ok }),
  400: error('One of the required attributes is missing or malformed.'),
  401: error(unauthorized),
  '4xx': error('The request was refused (also a 4xx passed on from the operator).'),
  503: error(unavailable)
})

const ok = 'Call to the operator-service was successful.'
const badSignature = 'Consumer signature is invalid or failed verification.'

/** The four route schemas under the given limits. */
export function routeSchemas (limits: ParamLimits = defaultLimits) {
  const { StartParams, JobParams } = paramSchemas(limits)
  const start = {
    summary: 'computeStart',
    description: 'Call the execution of a workflow. Parameters come from the query string or, when the query string is empty, from a JSON body.',
    tags,
    querystring: StartParams,
    response: response(ok, badSignature, 'Service unavailable')
  } as const

  const status = {
    summary: 'computeStatus',
    description: 'Get status for a specific jobId/documentId/owner. Without a valid signature the jobs are redacted (no owner, resultsUrl, algorithmLogUrl, resultsDid).',
    tags,
    querystring: JobParams,
    response: response(ok, badSignature, 'Service Unavailable')
  } as const

  const stop = {
    summary: 'computeStop',
    description: 'Stop the execution of a workflow.',
    tags,
    querystring: JobParams,
    response: response(ok, badSignature, 'Service unavailable')
  } as const

  const remove = {
    summary: 'computeDelete',
    description: 'Deletes a workflow.',
    tags,
    querystring: JobParams,
    response: response(ok, 'Invalid asset data.', 'Service Unavailable')
  } as const
  return { start, status, stop, delete: remove }
}

export type RouteSchemas = ReturnType<typeof routeSchemas>

/** `GET <prefix>/nonce` (the reference provider's route), registered when a nonce store is configured. */
export const nonceSchema = {
  summary: 'nonce',
  description: 'The last nonce accepted from a consumer; sign the next request with a greater one.',
  tags,
  querystring: NonceQuery,
  response: {
    200: NonceReply,
    400: error('The userAddress is missing or malformed.')
  }
} as const
