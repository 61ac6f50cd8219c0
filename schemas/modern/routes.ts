import type { Readable } from 'node:stream'
import { Type } from '@sinclair/typebox'
import { errorResponse as error } from '../errors.js'
import { NonceQuery } from '../params.js'
import { ComputeEnvironment } from './environment.js'
import { NodeJobList } from './job.js'
import { NodeNonceReply, type NodeParamSchemas } from './params.js'

// The current wire's routes, described for validation and OpenAPI like the first profile's.
const tags = ['current wire']

const signedErrors = {
  400: error('A parameter is missing or malformed.'),
  401: error('The signature, nonce or token does not check out: `consumer address and nonce signature mismatch`, `nonce: N is not a valid nonce`, `Invalid token`.'),
  403: error('A token issued to another address, or an environment not open to this consumer.'),
  503: error('Service unavailable')
}

/** `GET <prefix>/`: the discovery document every call of a current client starts with. */
export const discoverySchema = {
  summary: 'Where each route of the current wire is',
  tags,
  response: {
    200: Type.Object({
      providerAddress: Type.String(),
      chainIds: Type.Array(Type.Integer()),
      software: Type.String(),
      version: Type.String(),
      serviceEndpoints: Type.Record(Type.String(), Type.Array(Type.String(), { minItems: 2, maxItems: 2 }), {
        description: 'Each route\'s [method, path], the path relative to this document\'s URL'
      })
    })
  }
}

/** The route schemas of the current wire under the given parameter schemas. */
export function nodeRouteSchemas (params: NodeParamSchemas) {
  return {
    nonce: {
      summary: 'nonce',
      description: 'The consumer\'s stored nonce: the next signed request sends it + 1.',
      tags,
      querystring: NonceQuery,
      response: { 200: NodeNonceReply, 400: error('The userAddress is missing or malformed.'), 503: error('The nonce store could not be reached.') }
    },
    environments: {
      summary: 'computeEnvironments',
      description: 'The compute environments, each with its free tier.',
      tags,
      querystring: params.EnvironmentsQuery,
      response: { 200: Type.Array(ComputeEnvironment), 503: error('Service unavailable') }
    },
    freeCompute: {
      summary: 'freeCompute',
      description: 'Starts a free job in an environment\'s free tier. Signed (`freeStartCompute`) or with a token.',
      tags,
      body: params.FreeComputeBody,
      response: { 200: NodeJobList, ...signedErrors }
    },
    status: {
      summary: 'computeStatus',
      description: 'The consumer\'s jobs. Not signed; a token, when sent, must be the consumer\'s.',
      tags,
      querystring: params.StatusQuery,
      response: { 200: NodeJobList, ...signedErrors }
    },
    stop: {
      summary: 'computeStop',
      description: 'Stops a job of the consumer. Signed (`stopCompute`) or with a token.',
      tags,
      querystring: params.JobQuery,
      response: { 200: NodeJobList, ...signedErrors, 404: error('No such job of this consumer.') }
    },
    result: {
      summary: 'computeResult',
      description: 'A result file of a job, by its index in `results`, for its owner and its additional viewers. Signed (`getComputeResult`) or with a token. Honours `Range: bytes=N-`.',
      tags,
      querystring: params.ResultQuery,
      response: {
        200: { description: 'The file.', content: { 'application/octet-stream': { schema: Type.Unsafe<Readable>({ type: 'string', format: 'binary' }) } } },
        206: { description: 'The file from the range asked for.', content: { 'application/octet-stream': { schema: Type.Unsafe<Readable>({ type: 'string', format: 'binary' }) } } },
        ...signedErrors,
        404: error('No such result of a job this consumer may see.'),
        416: error('The range is beyond the file.')
      }
    },
    logs: {
      summary: 'computeStreamableLogs',
      description: 'The log of a running job of the consumer as it is written, until the job ends. Signed (`getComputeStreamableLogs`) or with a token.',
      tags,
      querystring: params.JobQuery,
      response: {
        200: { description: 'The log, streamed.', content: { 'text/plain': { schema: Type.Unsafe<Readable>({ type: 'string', format: 'binary' }) } } },
        ...signedErrors,
        404: error('Job not found or not running')
      }
    },
    token: {
      summary: 'generateAuthToken',
      description: 'Issues a token (a JWT) for the signer (`createAuthToken`), sent raw in `Authorization` in place of a signature.',
      tags,
      body: params.TokenBody,
      response: { 200: Type.Object({ token: Type.String() }), ...signedErrors }
    }
  }
}

export type NodeRouteSchemas = ReturnType<typeof nodeRouteSchemas>
