import { Type, type Static } from '@sinclair/typebox'

/** Bounds on what a client may send; each can be set in the plugin's `limits` option. */
export interface ParamLimits {
  /** Longest id (documentId, jobId, algorithmDid, transfer ids): 256 characters. A DID is ~71. */
  idLength: number
  /** Longest signature text: 256 characters (a 65-byte signature is 132). */
  signatureLength: number
  /** Longest `algorithmMeta.rawcode`: 262144 characters. */
  rawcodeLength: number
  /** Most `additionalInputs`: 32. */
  additionalInputs: number
  /** Deepest nesting of a JSON field (`algorithmMeta`, `output`, `additionalInputs`): 8 levels. */
  jsonDepth: number
  /** Longest JSON text of one field in a query string: 65536 characters. */
  jsonLength: number
}

// Frozen: a host that imports it cannot change every other registration's defaults.
export const defaultLimits: Readonly<ParamLimits> = Object.freeze({
  idLength: 256,
  signatureLength: 256,
  rawcodeLength: 256 * 1024,
  additionalInputs: 32,
  jsonDepth: 8,
  jsonLength: 64 * 1024
})

/** An Ethereum address: 0x and 40 hex characters, any case. */
export const ADDRESS_PATTERN = '^0x[0-9a-fA-F]{40}$'

export const ConsumerAddress = Type.String({
  pattern: ADDRESS_PATTERN,
  description: 'The consumer ethereum address.'
})

const SIGNATURE_TEXT = 'Signature of (consumerAddress+jobId+documentId) to verify the consumer of this asset/compute job. ' +
  'The signature uses ethereum based signing method (see https://github.com/ethereum/EIPs/pull/683)'

/** The parameter schemas of the compute routes under the given limits. */
export function paramSchemas (limits: ParamLimits = defaultLimits) {
  const id = (description: string) => Type.String({ maxLength: limits.idLength, description })
  const signature = Type.String({ maxLength: limits.signatureLength, description: SIGNATURE_TEXT })
  const documentId = id('The ID of the asset. If not provided, the call applies to all compute jobs of the specified consumerAddress.')
  // Checked by a nonce-aware verifier, ignored by others.
  const nonce = Type.String({
    maxLength: 32,
    description: 'When the provider protects against replays: a decimal number at least the current nonce of GET nonce, signed at the ' +
      'end of the message. Without it, the signature covers the current nonce itself.'
  })
  const jobId = id('The ID of the compute job. If not provided, the call applies to all compute jobs of the specified consumerAddress/documentId.')

  const container = Type.Object({
    entrypoint: Type.Optional(Type.String({ maxLength: 1024 })),
    image: Type.Optional(Type.String({ maxLength: 1024 })),
    tag: Type.Optional(Type.String({ maxLength: 256 }))
  }, { additionalProperties: true })

  const algorithmMeta = Type.Object({
    rawcode: Type.Optional(Type.String({ maxLength: limits.rawcodeLength })),
    url: Type.Optional(Type.String({ maxLength: 2048 })),
    container: Type.Optional(container)
  }, {
    additionalProperties: true,
    description: 'json object that define the algorithm attributes and url or raw code (JSON text in a query string)'
  })

  const output = Type.Object({}, {
    additionalProperties: true,
    description: 'json object that define the output section (JSON text in a query string)'
  })

  const additionalInputs = Type.Array(
    Type.Object({}, { additionalProperties: true }),
    { maxItems: limits.additionalInputs, description: 'JSON array of further inputs of the job (JSON text in a query string)' }
  )

  /** Parameters of POST compute (computeStart), after they were read from the query or the body. */
  const StartParams = Type.Object({
    consumerAddress: ConsumerAddress,
    signature: Type.Optional(signature),
    output,
    algorithmDid: Type.Optional(id('The DID of the algorithm Asset to be executed')),
    algorithmMeta: Type.Optional(algorithmMeta),
    documentId: Type.Optional(id('The ID of the asset')),
    serviceId: Type.Optional(id('The id of the compute service of the asset')),
    transferTxId: Type.Optional(id('The transaction of the order that paid for this job')),
    algorithmDataToken: Type.Optional(id('The datatoken of the algorithm asset')),
    algorithmTransferTxId: Type.Optional(id('The transaction of the order of the algorithm')),
    additionalInputs: Type.Optional(additionalInputs),
    jobId: Type.Optional(jobId),
    nonce: Type.Optional(nonce)
  }, { additionalProperties: false })

  /** Parameters of GET, PUT and DELETE compute. */
  const JobParams = Type.Object({
    consumerAddress: ConsumerAddress,
    signature: Type.Optional(signature),
    documentId: Type.Optional(documentId),
    jobId: Type.Optional(jobId),
    nonce: Type.Optional(nonce)
  }, { additionalProperties: false })

  /** Parameters of GET computeResult: one result of one job, always signed. */
  const ResultParams = Type.Object({
    consumerAddress: ConsumerAddress,
    jobId: id('The ID of the compute job.'),
    index: Type.Integer({ minimum: 0, description: 'The position of the result in the job\'s list of results, from 0.' }),
    signature: Type.String({
      maxLength: limits.signatureLength,
      description: 'Signature of (consumerAddress+jobId+index) by the consumer who started the job (EIP-191 personal_sign).'
    }),
    // The nonce, when a host protects against replays, is signed here as on the compute routes.
    nonce: Type.Optional(nonce)
  }, { additionalProperties: false })

  return { StartParams, JobParams, ResultParams, AlgorithmMeta: algorithmMeta, Output: output }
}

const defaults = paramSchemas()
export const StartParams = defaults.StartParams
export type StartParams = Static<typeof StartParams>
export const JobParams = defaults.JobParams
export type JobParams = Static<typeof JobParams>
export const AlgorithmMeta = defaults.AlgorithmMeta
export const Output = defaults.Output

/** `GET <prefix>/nonce`: a consumer's current nonce. */
export const NonceQuery = Type.Object({
  userAddress: Type.String({ pattern: ADDRESS_PATTERN, description: 'The consumer ethereum address.' })
}, { additionalProperties: false })
export type NonceQuery = Static<typeof NonceQuery>

export const NonceReply = Type.Object(
  { nonce: Type.Number({ description: 'The current nonce of the address, 0 at first: sign it next, or send a nonce at least this great. Exact, however many digits.' }) },
  { description: 'The consumer\'s current nonce.' }
)

/** Every parameter name whose value may arrive as JSON text. */
export const jsonFields = ['algorithmMeta', 'output', 'additionalInputs'] as const
