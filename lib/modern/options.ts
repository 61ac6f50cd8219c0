import { randomBytes } from 'node:crypto'
import type { FastifyInstance } from 'fastify'
import { InvalidOptionError } from '../errors.js'
import { positiveInteger } from '../option-checks.js'
import { checkedVerifier, resolveSharedOptions, type ComputePluginOptions, type ResolvedOptions } from '../options.js'
import { memoryNonceStore } from '../verifier/stores/memory.js'
import { sameStoreVerifier, type NonceStore } from '../verifier/nonce.js'
import type { ComputeVerifier } from '../verifier/types.js'
import type { ComputeEnvironment } from '../../schemas/modern/environment.js'
import { nodeParamSchemas } from '../../schemas/modern/params.js'
import { nodeRouteSchemas, type NodeRouteSchemas } from '../../schemas/modern/routes.js'
import { nodeVerifier } from './verifier.js'
import { TokenIssuer } from './token.js'
import { JobBook } from './jobs.js'
import { environmentsProblem } from './environments.js'

export interface OceanNodeComputeOptions extends Pick<ComputePluginOptions, 'operator' | 'buildWorkflow' | 'operatorTimeout' | 'bodyLimit' | 'limits'> {
  /**
   * Keeps each consumer's last nonce (the current wire stores the nonce a client sent; a
   * client sends the stored one + 1). Any store of the first profile works; give this
   * profile its own. Default: `memoryNonceStore()`, one process.
   */
  nonceStore?: NonceStore
  /**
   * Checks signatures: the route hands it `consumerAddress`, `signature`, `nonce` and the
   * signed `command`. Only `nodeVerifier(store, { checkSignature })` on this plugin's
   * `nonceStore` is taken (registration fails otherwise), so that the nonces GET nonce
   * hands out are always checked. The first profile's `computeVerifier` decorator is not
   * used here: its messages differ. Default: `nodeVerifier(nonceStore)`.
   */
  verifier?: ComputeVerifier
  /**
   * The environments `GET computeEnvironments` lists and freeCompute enforces. Default:
   * the operator's own (`environments()` of the local and container engines), else one
   * free environment of `maxJobDuration` seconds with no resources to ask for.
   */
  environments?: ComputeEnvironment[]
  /** Seconds a free job may run where nothing else says. Default: 3600. */
  maxJobDuration?: number
  /** HMAC key of the auth tokens, at least 32 bytes. Default: random per registration (tokens end with the process). */
  tokenSecret?: string | Buffer
  /** Seconds an auth token lives; a client's `validUntil` may only shorten it. Default: 3600. */
  tokenLifetime?: number
  /** The provider's address, shown in the discovery document and the environments. */
  providerAddress?: string
  /** The chains listed in the discovery document. Default: []. */
  chainIds?: number[]
}

export interface ResolvedNodeOptions extends ResolvedOptions {
  nonceStore: NonceStore
  environments: ComputeEnvironment[] | undefined
  maxJobDuration: number
  tokens: TokenIssuer
  tokenLifetime: number
  providerAddress: string
  chainIds: number[]
  jobs: JobBook
  /** The route schemas under `limits`. */
  routes: NodeRouteSchemas
}

// How many jobs' terms are remembered (about 1 KB each at most).
const JOB_BOOK_SIZE = 10_000

function secretOf (given: unknown): Buffer {
  if (given === undefined) return randomBytes(32)
  const secret = typeof given === 'string' ? Buffer.from(given, 'utf8') : given
  if (!Buffer.isBuffer(secret) || secret.length < 32) throw new InvalidOptionError('tokenSecret must be a string or Buffer of at least 32 bytes')
  return secret
}

function environmentsOf (given: unknown): ComputeEnvironment[] | undefined {
  if (given === undefined) return undefined
  const problem = environmentsProblem(given)
  if (problem !== undefined) throw new InvalidOptionError(`environments must be a list of compute environments as GET computeEnvironments answers them (${problem})`)
  return given as ComputeEnvironment[]
}

// The route's verifier: a nodeVerifier of the plugin's store, made again on the bounded store.
function verifierOf (given: unknown, nonceStore: NonceStore, bounded: NonceStore): ComputeVerifier {
  const host = checkedVerifier(given)
  if (host === undefined) return nodeVerifier(bounded)
  const checking = sameStoreVerifier(host, 'nodeVerifier', nonceStore, bounded)
  if (checking === undefined) {
    throw new InvalidOptionError('verifier must be nodeVerifier(store, { checkSignature }) on the plugin\'s nonceStore (pass that store as nonceStore too): another verifier would skip the nonces GET nonce hands out')
  }
  return checking
}

/** Applies defaults and checks every option of the current wire's plugin once, at registration. */
export function resolveNodeOptions (fastify: FastifyInstance, options: OceanNodeComputeOptions): ResolvedNodeOptions {
  // A security option of the first wire, refused here rather than left unapplied.
  if ((options as ComputePluginOptions).requireSignedStatus !== undefined) {
    throw new InvalidOptionError('requireSignedStatus is an option of the first wire only: no current client signs GET compute, so this wire answers it unsigned (a token, when sent, must be the consumer\'s)')
  }
  const nonceStore = options.nonceStore ?? memoryNonceStore()
  // The checks and defaults both wires share; the verifier is this wire's own.
  const base = resolveSharedOptions(fastify, { ...options, nonceStore })
  const store = base.nonceStore!
  if (options.providerAddress !== undefined && typeof options.providerAddress !== 'string') throw new InvalidOptionError('providerAddress must be a string')
  const chainIds = options.chainIds ?? []
  if (!Array.isArray(chainIds) || !chainIds.every(Number.isSafeInteger)) throw new InvalidOptionError('chainIds must be a list of chain ids')
  return {
    ...base,
    verifier: verifierOf(options.verifier, nonceStore, store),
    nonceStore: store,
    environments: environmentsOf(options.environments),
    maxJobDuration: positiveInteger('maxJobDuration', options.maxJobDuration, 3600),
    tokens: new TokenIssuer(secretOf(options.tokenSecret)),
    tokenLifetime: positiveInteger('tokenLifetime', options.tokenLifetime, 3600),
    providerAddress: options.providerAddress ?? '',
    chainIds,
    jobs: new JobBook(JOB_BOOK_SIZE),
    routes: nodeRouteSchemas(nodeParamSchemas(base.limits))
  }
}
