import plugin from './plugin.js'

export default plugin
export { plugin as compute }
export type { ComputePluginOptions } from './options.js'
export type { ComputeOperator, OperatorContext, OperatorQuery, OperatorStartRequest, ResultQuery, ResultFile } from './operator/types.js'
export { httpOperator, type HttpOperatorOptions, type ProviderAccount } from './operator/http/index.js'
export { localOperator, LocalOperator } from './operator/local/engine.js'
export type { LocalOperatorOptions, ResultUrl } from './operator/local/options.js'
export type { LocalJobStatus, ListedResult } from './operator/local/record.js'
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
export * as errors from './errors.js'
export type { JobStatus, JobList } from '../schemas/job.js'
export type { Workflow } from '../schemas/workflow.js'
export type { StartParams, JobParams } from '../schemas/params.js'
