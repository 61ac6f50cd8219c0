import type { Readable } from 'node:stream'
import { Type, type TString } from '@sinclair/typebox'
import { ConsumerAddress, type ParamLimits } from './params.js'
import { errorResponse as error, signedRouteErrors } from './errors.js'

/**
 * `GET <prefix>/computeResult` (the reference provider's route since v0.4.16):
 * one result file of a finished job, for the consumer who started it.
 */
export function resultSchema (limits: ParamLimits, nonce: TString) {
  const querystring = Type.Object({
    consumerAddress: ConsumerAddress,
    jobId: Type.String({ maxLength: limits.idLength, description: 'The ID of the compute job.' }),
    index: Type.Integer({ minimum: 0, description: 'The position of the result in the job\'s list of results, from 0.' }),
    signature: Type.String({
      maxLength: limits.signatureLength,
      description: 'Signature of (consumerAddress+jobId+index) by the consumer who started the job (EIP-191 personal_sign).'
    }),
    // The nonce, when a host protects against replays, is signed here as on the compute routes.
    nonce: Type.Optional(nonce)
  }, { additionalProperties: false })
  return {
    summary: 'computeResult',
    description: 'Download a result file of a compute job: its outputs and its logs, numbered as the job status lists them.',
    tags: ['services'],
    querystring,
    response: {
      // A stream is sent as it is, never serialized: the schema only documents it.
      200: Type.Unsafe<Readable>({ type: 'string', format: 'binary', description: 'The file, with its content type and length.' }),
      ...signedRouteErrors('Consumer signature is invalid or failed verification.'),
      404: error('No such result of a job of this consumer, or a provider that serves no results.')
    }
  } as const
}
