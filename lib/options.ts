import type { FastifyInstance } from 'fastify'
import { InvalidOptionError, NoOperatorError } from './errors.js'
import { positiveInteger, timeout } from './option-checks.js'
import type { ComputeOperator } from './operator/types.js'
import type { ComputeVerifier } from './verifier/types.js'
import { personalSignVerifier } from './verifier/personal-sign.js'
import { boundedNonceStore, nonceVerifier, sameStoreVerifier, type NonceStore } from './verifier/nonce.js'
import { defaultBuildWorkflow, type BuildWorkflow } from './workflow.js'
import { defaultLimits, type ParamLimits } from '../schemas/params.js'
import { routeSchemas, type RouteSchemas } from '../schemas/routes.js'
import { Deadlines } from './deadlines.js'
import { oceanTerms, type OceanTermsOptions } from './terms/index.js'

export interface ComputePluginOptions {
  /** Runs the jobs. Wins over a `computeOperator` decorator. Closed with Fastify. No default. */
  operator?: ComputeOperator
  /** Checks signatures. Wins over a `computeVerifier` decorator. Default: `personalSignVerifier()`. */
  verifier?: ComputeVerifier
  /** Builds the operator workflow of a start request. Default: ids and algorithm passed through. */
  buildWorkflow?: BuildWorkflow
  /**
   * The data owner's terms (DDOs, the compute service's algorithm policy, decrypted file
   * URLs, orders): `buildWorkflow` becomes `oceanTerms(terms)`. Default: off.
   */
  terms?: OceanTermsOptions
  /** GET compute demands a valid signature (401 without). Default: false (unsigned answers are redacted). */
  requireSignedStatus?: boolean
  /** Milliseconds an operator call may take before the route answers 503. Default: 30000. */
  operatorTimeout?: number
  /** Largest request body in bytes. Default: 1048576 (1 MiB). */
  bodyLimit?: number
  /**
   * Replay protection (spec section 1.2.1): signed messages end with a nonce, either the
   * consumer's current one from `GET <prefix>/nonce` (sent as no parameter, as ocean.js
   * 0.x does) or a `nonce` parameter greater than any accepted before; each works once.
   * `memoryNonceStore()` for one process, `redisNonceStore(redis)` or
   * `postgresNonceStore(pool)` for several. Checked by the default verifier; a verifier of
   * your own is refused beside it unless made with `nonceVerifier(store, ...)` on the same
   * store (registration fails saying so). Default: none.
   */
  nonceStore?: NonceStore
  /** Bounds on parameters (lengths, counts, JSON depth); see `ParamLimits` for each default. */
  limits?: Partial<ParamLimits>
}

/** The options after defaults and checks. */
export interface ResolvedOptions {
  operator: ComputeOperator
  /** True when the operator came in the options: then the plugin owns it and closes it. */
  ownsOperator: boolean
  verifier: ComputeVerifier
  buildWorkflow: BuildWorkflow
  requireSignedStatus: boolean
  /** The deadlines of the operator calls, all `operatorTimeout` ms long. */
  deadlines: Deadlines
  bodyLimit: number
  limits: ParamLimits
  nonceStore: NonceStore | undefined
  /** The route schemas under `limits`. */
  schemas: RouteSchemas
}

const OPERATOR_METHODS = ['start', 'status', 'stop', 'delete'] as const

function checkOperator (operator: unknown): ComputeOperator {
  const missing = OPERATOR_METHODS.filter(m => typeof (operator as Record<string, unknown>)[m] !== 'function')
  if (missing.length > 0) {
    throw new InvalidOptionError(`the operator must have the methods ${OPERATOR_METHODS.join(', ')} (missing: ${missing.join(', ')})`)
  }
  return operator as ComputeOperator
}

/**
 * The verifier of the routes. A nonceStore always guards them: a host's verifier beside
 * one is refused unless it is a nonceVerifier of that store, since nothing could make
 * another verifier's signed message cover the nonce (advancing a nonce after any check
 * would still let the same message pass again) while GET nonce would be served.
 */
function guardedVerifier (host: ComputeVerifier | undefined, given: NonceStore | undefined, bounded: NonceStore | undefined): ComputeVerifier {
  if (given === undefined || bounded === undefined) return host ?? personalSignVerifier()
  if (host === undefined) return nonceVerifier(bounded)
  const checking = sameStoreVerifier(host, 'nonceVerifier', given, bounded)
  if (checking === undefined) {
    throw new InvalidOptionError('nonceStore is checked only by the default verifier, and a verifier of your own (the verifier option or a computeVerifier decorator) would skip it. ' +
      'Pass verifier: nonceVerifier(store, { buildMessage, checkSignature }) on the same store to keep your own check with replay protection, or leave nonceStore out if your verifier checks nonces itself.')
  }
  return checking
}

/** `verifier` when it is one (undefined stays undefined); refused otherwise. */
export function checkedVerifier (verifier: unknown): ComputeVerifier | undefined {
  if (verifier !== undefined && typeof (verifier as ComputeVerifier | null)?.verify !== 'function') {
    throw new InvalidOptionError('the verifier must have a verify(input) method')
  }
  return verifier as ComputeVerifier | undefined
}

/** Applies defaults and checks every option once, at registration. */
export function resolveOptions (fastify: FastifyInstance, options: ComputePluginOptions): ResolvedOptions {
  const shared = resolveSharedOptions(fastify, options)
  const hostVerifier = checkedVerifier(options.verifier ?? fastify.computeVerifier)
  return { ...shared, verifier: guardedVerifier(hostVerifier, options.nonceStore, shared.nonceStore) }
}

/** Applies defaults and checks the options both wires share (all but the verifier, which is each wire's own) once, at registration. */
export function resolveSharedOptions (fastify: FastifyInstance, options: ComputePluginOptions): Omit<ResolvedOptions, 'verifier'> {
  const given = options.operator ?? fastify.computeOperator
  if (given === undefined) throw new NoOperatorError()
  const operatorTimeout = timeout('operatorTimeout', options.operatorTimeout, 30_000)
  const givenStore = options.nonceStore
  if (givenStore !== undefined && (typeof givenStore?.get !== 'function' || typeof givenStore.advance !== 'function')) {
    throw new InvalidOptionError('nonceStore must have get(address) and advance(address, nonce) methods')
  }
  // Bounded once here, for the verifier and GET nonce alike.
  const nonceStore = givenStore === undefined ? undefined : boundedNonceStore(givenStore, operatorTimeout)
  if (options.buildWorkflow !== undefined && typeof options.buildWorkflow !== 'function') {
    throw new InvalidOptionError('buildWorkflow must be a function')
  }
  if (options.terms !== undefined && options.buildWorkflow !== undefined) {
    throw new InvalidOptionError('give terms or buildWorkflow, not both (the terms build the workflow)')
  }
  if (options.requireSignedStatus !== undefined && typeof options.requireSignedStatus !== 'boolean') {
    throw new InvalidOptionError('requireSignedStatus must be true or false')
  }
  if (options.limits !== undefined && (typeof options.limits !== 'object' || options.limits === null)) {
    throw new InvalidOptionError('limits must be an object')
  }
  const limits = { ...defaultLimits }
  for (const name of Object.keys(defaultLimits) as Array<keyof ParamLimits>) {
    limits[name] = positiveInteger(`limits.${name}`, options.limits?.[name], defaultLimits[name])
  }
  return {
    operator: checkOperator(given),
    ownsOperator: options.operator !== undefined,
    buildWorkflow: options.terms !== undefined ? oceanTerms(options.terms) : options.buildWorkflow ?? defaultBuildWorkflow,
    requireSignedStatus: options.requireSignedStatus ?? false,
    deadlines: new Deadlines(operatorTimeout),
    bodyLimit: positiveInteger('bodyLimit', options.bodyLimit, 1024 * 1024),
    limits,
    nonceStore,
    schemas: routeSchemas(limits)
  }
}
