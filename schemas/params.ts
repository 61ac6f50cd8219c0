import { Type, type Static } from '@sinclair/typebox'

// Limits on what a client may send. They bound memory and CPU per request; the
// values are generous for real clients (a DID is ~71 characters, a signature 132).
export const limits = {
  id: 256,
  signature: 256,
  rawcode: 256 * 1024,
  additionalInputs: 32
} as const

/** An Ethereum address: 0x and 40 hex characters, any case. */
export const ADDRESS_PATTERN = '^0x[0-9a-fA-F]{40}$'

export const ConsumerAddress = Type.String({
  pattern: ADDRESS_PATTERN,
  description: 'The consumer ethereum address.'
})

export const Signature = Type.String({
  maxLength: limits.signature,
  description: 'Signature of (consumerAddress+jobId+documentId) to verify the consumer of this asset/compute job. ' +
    'The signature uses ethereum based signing method (see https://github.com/ethereum/EIPs/pull/683)'
})

const id = (description: string) => Type.String({ maxLength: limits.id, description })

export const DocumentId = id('The ID of the asset. If not provided, the call applies to all compute jobs of the specified consumerAddress.')
export const JobId = id('The ID of the compute job. If not provided, the call applies to all compute jobs of the specified consumerAddress/documentId.')

export const Container = Type.Object({
  entrypoint: Type.Optional(Type.String({ maxLength: 1024 })),
  image: Type.Optional(Type.String({ maxLength: 1024 })),
  tag: Type.Optional(Type.String({ maxLength: 256 }))
}, { additionalProperties: true })

export const AlgorithmMeta = Type.Object({
  rawcode: Type.Optional(Type.String({ maxLength: limits.rawcode })),
  url: Type.Optional(Type.String({ maxLength: 2048 })),
  container: Type.Optional(Container)
}, {
  additionalProperties: true,
  description: 'json object that define the algorithm attributes and url or raw code (JSON text in a query string)'
})

export const Output = Type.Object({}, {
  additionalProperties: true,
  description: 'json object that define the output section (JSON text in a query string)'
})

export const AdditionalInputs = Type.Array(
  Type.Object({}, { additionalProperties: true }),
  { maxItems: limits.additionalInputs, description: 'JSON array of further inputs of the job (JSON text in a query string)' }
)

/** Parameters of POST compute (computeStart), after they were read from the query or the body. */
export const StartParams = Type.Object({
  consumerAddress: ConsumerAddress,
  signature: Type.Optional(Signature),
  output: Output,
  algorithmDid: Type.Optional(id('The DID of the algorithm Asset to be executed')),
  algorithmMeta: Type.Optional(AlgorithmMeta),
  documentId: Type.Optional(id('The ID of the asset')),
  serviceId: Type.Optional(id('The id of the compute service of the asset')),
  transferTxId: Type.Optional(id('The transaction of the order that paid for this job')),
  algorithmDataToken: Type.Optional(id('The datatoken of the algorithm asset')),
  algorithmTransferTxId: Type.Optional(id('The transaction of the order of the algorithm')),
  additionalInputs: Type.Optional(AdditionalInputs),
  jobId: Type.Optional(JobId)
}, { additionalProperties: false })
export type StartParams = Static<typeof StartParams>

/** Parameters of GET, PUT and DELETE compute. */
export const JobParams = Type.Object({
  consumerAddress: ConsumerAddress,
  signature: Type.Optional(Signature),
  documentId: Type.Optional(DocumentId),
  jobId: Type.Optional(JobId)
}, { additionalProperties: false })
export type JobParams = Static<typeof JobParams>

/** Every parameter name whose value may arrive as JSON text. */
export const jsonFields = ['algorithmMeta', 'output', 'additionalInputs'] as const
