import plugin from './plugin.js'

export default plugin
// The named forms of the official plugins, for hosts that import by name (and CommonJS hosts: `require()` of this ESM package gives its namespace).
export { plugin as fastifyOceanCompute, plugin as compute }
export type { ComputePluginOptions } from './options.js'
export type { ComputeOperator, OperatorContext, OperatorQuery, OperatorStartRequest, ResultQuery, ResultFile } from './operator/types.js'
export { httpOperator, type HttpOperatorOptions, type ProviderAccount } from './operator/http/index.js'
export { localOperator, LocalOperator } from './operator/local/index.js'
export type { LocalOperatorOptions } from './operator/local/options.js'
export { dockerOperator, DockerOperator } from './operator/docker/index.js'
export type { DockerOperatorOptions } from './operator/docker/options.js'
export type { EngineOptions } from './operator/engine/options.js'
export type { DownloadOptions } from './operator/engine/download-options.js'
export type { LocalJobStatus, ListedResult } from './operator/engine/record.js'
export type { ComputeVerifier, ComputeAction, SignedParams, VerifyInput } from './verifier/types.js'
export {
  personalSignVerifier, recoverPersonalSign, defaultMessage, defaultCheckSignature,
  type PersonalSignVerifierOptions, type SignatureCheck
} from './verifier/personal-sign.js'
export { nonceVerifier, type NonceStore } from './verifier/nonce.js'
export { memoryNonceStore } from './verifier/stores/memory.js'
export { redisNonceStore, type RedisNonceClient, type RedisNonceStoreOptions } from './verifier/stores/redis.js'
export { postgresNonceStore, type PostgresNonceClient, type PostgresNonceStore, type PostgresNonceStoreOptions } from './verifier/stores/postgres.js'
export { defaultBuildWorkflow, type BuildWorkflow, type BuildWorkflowInput } from './workflow.js'
export { oceanTerms, type OceanTermsOptions } from './terms/index.js'
export { isDdo, type DDO, type DdoResolver, type Service, type Privacy, type TrustedAlgorithm } from './terms/ddo.js'
export { hostResolver, folderResolver } from './terms/resolvers/host.js'
export { aquariusResolver, type AquariusResolverOptions } from './terms/resolvers/aquarius.js'
export { cachedResolver, type DdoCacheOptions } from './terms/resolvers/cache.js'
export { encryptFiles, decryptFileUrls, type AssetFile } from './terms/files.js'
export { filesChecksum, containerSectionChecksum } from './terms/checksums.js'
export { parseDdoJson } from './terms/json-text.js'
export type { OrderVerifier, OrderToCheck, OrderVerdict } from './terms/order-types.js'
export * as errors from './errors.js'
export {
  CHANNELS, channels,
  type StartMessage, type OperatorMessage, type OperatorOperation, type NonceStoreMessage, type SignatureMessage, type JobMessage
} from './channels.js'
export type { JobStatus, JobList } from '../schemas/job.js'
export type { Workflow, WorkflowInput } from '../schemas/workflow.js'
export { defaultLimits, type ParamLimits, type StartParams, type JobParams } from '../schemas/params.js'
export type { ErrorBody } from '../schemas/errors.js'
// Paid orders (the data owner's terms call them): checked on chain, counted per order; DDOs read from the chain.
export { chainOrders, type ChainOrdersOptions } from './terms/orders.js'
export type { ChainClient } from './terms/chain-client.js'
export type { OrderUseStore } from './terms/uses/store.js'
export { memoryOrderUses } from './terms/uses/memory.js'
export { redisOrderUses, type RedisOrderUseClient, type RedisOrderUsesOptions } from './terms/uses/redis.js'
export { postgresOrderUses, type PostgresOrderUseClient, type PostgresOrderUses, type PostgresOrderUsesOptions } from './terms/uses/postgres.js'
export { chainDdos, type ChainDdosOptions } from './terms/resolvers/chain.js'
// The current Ocean wire (ocean-node, ocean.js 6 to 8): a second plugin, under a prefix of its own.
export { default as oceanNodeCompute, NODE_ENDPOINTS } from './modern/plugin.js'
export type { OceanNodeComputeOptions } from './modern/options.js'
export { nodeVerifier, type NodeVerifierOptions, type CommandSignatureCheck } from './modern/verifier.js'
export type { ComputeEnvironment } from '../schemas/modern/environment.js'
export type { NodeJob } from '../schemas/modern/job.js'
