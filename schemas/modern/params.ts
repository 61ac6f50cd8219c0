import { Type, type Static } from '@sinclair/typebox'
import { ConsumerAddress, paramSchemas, ADDRESS_PATTERN, defaultLimits, type ParamLimits } from '../params.js'

/** Most entries of the small lists of a free job (resources, additionalViewers). */
export const LIST_LIMIT = 16

/** The parameter schemas of the current wire's routes under the given limits. */
export function nodeParamSchemas (limits: ParamLimits = defaultLimits) {
  const id = (description: string) => Type.String({ maxLength: limits.idLength, description })
  const signature = Type.String({
    maxLength: limits.signatureLength,
    description: 'personal_sign of keccak256(consumerAddress + nonce + command), as its 32 raw bytes or its hex text'
  })
  const nonce = Type.String({ maxLength: 32, description: 'The consumer\'s stored nonce (GET nonce) + 1, or more, as decimal text' })
  const address = Type.String({ pattern: ADDRESS_PATTERN })
  const object = Type.Object({}, { additionalProperties: true })

  const asset = Type.Object({
    documentId: Type.Optional(id('The DID of the dataset')),
    serviceId: Type.Optional(id('Its compute service')),
    transferTxId: Type.Optional(id('The order that paid for it')),
    fileObject: Type.Optional(object),
    userdata: Type.Optional(object)
  }, { additionalProperties: true })

  const algorithm = Type.Object({
    documentId: Type.Optional(id('The DID of a published algorithm')),
    serviceId: Type.Optional(id('Its compute service')),
    transferTxId: Type.Optional(id('The order that paid for it')),
    meta: Type.Optional(paramSchemas(limits).AlgorithmMeta),
    fileObject: Type.Optional(object),
    algocustomdata: Type.Optional(object),
    userdata: Type.Optional(object),
    envs: Type.Optional(object)
  }, { additionalProperties: true, description: 'The algorithm: `meta` with `rawcode` and `container`, or a published one' })

  /** POST freeCompute: a JSON body. */
  const FreeComputeBody = Type.Object({
    consumerAddress: ConsumerAddress,
    signature: Type.Optional(Type.Union([signature, Type.Null()])),
    nonce: Type.Optional(nonce),
    environment: id('The id of a compute environment (GET computeEnvironments)'),
    algorithm,
    datasets: Type.Optional(Type.Array(asset, { maxItems: limits.additionalInputs + 1 })),
    dataset: Type.Optional(asset),
    resources: Type.Optional(Type.Array(Type.Object({
      id: Type.String({ maxLength: 64 }),
      amount: Type.Number({ minimum: 0 })
    }), { maxItems: LIST_LIMIT })),
    maxJobDuration: Type.Optional(Type.Number({ exclusiveMinimum: 0, description: 'Seconds; clamped to the free tier\'s' })),
    metadata: Type.Optional(Type.Record(Type.String(), Type.Unknown(), { description: 'Kept with the job, at most 1024 bytes of JSON' })),
    additionalViewers: Type.Optional(Type.Array(address, { maxItems: LIST_LIMIT, description: 'Addresses that may download the results too' })),
    queueMaxWaitTime: Type.Optional(Type.Number({ minimum: 0 })),
    output: Type.Optional(Type.Unknown()),
    outputBucketId: Type.Optional(Type.Unknown()),
    encryptedDockerRegistryAuth: Type.Optional(Type.Unknown()),
    policyServer: Type.Optional(Type.Unknown())
  }, { additionalProperties: false })

  /** GET compute: not signed; a token, when sent, must be the consumer's. */
  const StatusQuery = Type.Object({
    consumerAddress: ConsumerAddress,
    jobId: Type.Optional(id('The job; all of the consumer\'s without')),
    agreementId: Type.Optional(id('The order the jobs ran for'))
  }, { additionalProperties: false })

  /** PUT compute, GET computeStreamableLogs: one job, signed (or a token). */
  const JobQuery = Type.Object({
    consumerAddress: ConsumerAddress,
    jobId: id('The job'),
    agreementId: Type.Optional(id('The order the job ran for')),
    nonce: Type.Optional(nonce),
    signature: Type.Optional(signature)
  }, { additionalProperties: false })

  /** GET computeResult. */
  const ResultQuery = Type.Object({
    consumerAddress: ConsumerAddress,
    jobId: id('The job'),
    index: Type.Integer({ minimum: 0, description: 'The position of the file in the job\'s `results`' }),
    nonce: Type.Optional(nonce),
    signature: Type.Optional(signature)
  }, { additionalProperties: false })

  /** POST auth/token. */
  const TokenBody = Type.Object({
    address: ConsumerAddress,
    // Never empty: a token is made for a signature, not for another token.
    signature: Type.String({ ...signature, minLength: 1 }),
    nonce,
    validUntil: Type.Optional(Type.Union([Type.Number(), Type.Null()], { description: 'Unix milliseconds: the token ends then, or sooner' })),
    chainId: Type.Optional(Type.Union([Type.String({ maxLength: 32 }), Type.Number(), Type.Null()]))
  }, { additionalProperties: false })

  /** GET computeEnvironments. */
  const EnvironmentsQuery = Type.Object({
    chainId: Type.Optional(Type.String({ maxLength: 32, description: 'Ignored: the environments are the same on every chain' }))
  }, { additionalProperties: false })

  return { FreeComputeBody, StatusQuery, JobQuery, ResultQuery, TokenBody, EnvironmentsQuery }
}

export type NodeParamSchemas = ReturnType<typeof nodeParamSchemas>
export type FreeComputeBody = Static<NodeParamSchemas['FreeComputeBody']>
export type NodeStatusQuery = Static<NodeParamSchemas['StatusQuery']>
export type NodeJobQuery = Static<NodeParamSchemas['JobQuery']>
export type NodeResultQuery = Static<NodeParamSchemas['ResultQuery']>
export type TokenBody = Static<NodeParamSchemas['TokenBody']>

/** GET nonce answers the stored nonce as text, as ocean-node does. */
export const NodeNonceReply = Type.Object(
  { nonce: Type.String({ description: 'The stored nonce, "0" at first: the next signed request sends it + 1' }) },
  { description: 'The consumer\'s stored nonce.' }
)
