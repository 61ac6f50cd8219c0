import type { FastifyRequest } from 'fastify'
import type { ComputeVerifier } from './types.js'
import { defaultCheckSignature, defaultMessage, type PersonalSignVerifierOptions } from './personal-sign.js'
import { nextNonce, parseNonce } from './nonce-value.js'
import { NonceStoreUnavailableError } from '../errors.js'
import { channels, clockFor, since, type NonceStoreMessage } from '../channels.js'

/**
 * Keeps each address's current nonce, as canonical decimal text (no leading zeros,
 * no trailing zeros after the point), so that no nonce loses precision. Addresses
 * arrive in lower case. The current nonce is what a client that sends no nonce signs
 * next (the reference provider's scheme); every nonce accepted so far is below it.
 * Ready-made: `memoryNonceStore()`, `redisNonceStore(redis)`, `postgresNonceStore(pool)`.
 */
export interface NonceStore {
  /** The address's current nonce, `'0'` when none. */
  get(address: string): string | Promise<string>
  /**
   * Sets the address's nonce to `nonce` and answers true only if `nonce` is greater
   * than the current one (compared as exact decimals); otherwise changes nothing and
   * answers false. Must be atomic: of many concurrent calls with the same `nonce`,
   * at most one may answer true.
   */
  advance(address: string, nonce: string): boolean | Promise<boolean>
  /** Rejects when the store cannot work as configured (a missing table); the plugin awaits it at registration. */
  ready?(): Promise<void>
}

// A store that throws (Redis down, a lost connection) is an outage, not the client's
// fault: a 503, with the cause in the log only (it may name hosts).
export async function fromStore<T> (request: FastifyRequest, call: () => T | Promise<T>): Promise<T> {
  try {
    return await call()
  } catch (err) {
    request.log.error({ err }, 'nonce store failed')
    throw new NonceStoreUnavailableError()
  }
}

/**
 * `store` with every call cut off after `timeout` ms (the plugin uses its
 * `operatorTimeout`): a store that hangs, such as a pool waiting for a connection or a
 * client queueing commands while Redis is away, must not hold requests; it is a 503 like
 * a store that fails. A call cut off may still land later: then the nonce has moved
 * and the client signs the next one, but its request was not accepted.
 */
export function boundedNonceStore (store: NonceStore, timeout: number): NonceStore {
  async function bounded<T> (operation: NonceStoreMessage['operation'], call: () => T | Promise<T>): Promise<T> {
    let timer: NodeJS.Timeout | undefined
    let outcome: NonceStoreMessage['outcome'] = 'failed'
    const late = new Promise<never>((_resolve, reject) => {
      timer = setTimeout(() => {
        outcome = 'timeout'
        reject(new Error(`the nonce store did not answer within ${timeout} ms`))
      }, timeout)
    })
    const began = clockFor(channels.nonceStore)
    try {
      const answer = await Promise.race([call(), late])
      outcome = 'ok'
      return answer
    } finally {
      clearTimeout(timer)
      if (began !== undefined) channels.nonceStore.publish({ operation, outcome, duration: since(began) } satisfies NonceStoreMessage)
    }
  }
  return {
    get: async address => await bounded('get', () => store.get(address)),
    advance: async (address, nonce) => await bounded('advance', () => store.advance(address, nonce))
  }
}

/** The current nonce of `address` (lower case), canonical; a 503 when the store fails or answers something else. */
export async function currentNonce (store: NonceStore, address: string, request: FastifyRequest): Promise<string> {
  return await fromStore(request, async () => {
    const value = await store.get(address)
    return parseNonce(value) ?? (() => { throw new TypeError(`nonceStore.get answered ${JSON.stringify(value)}, not decimal text`) })()
  })
}

type NonceVerifierOptions = Omit<PersonalSignVerifierOptions, 'cacheSize'>

/** The verifiers that check a nonce store's nonces: one per wire. */
export type StoreVerifierKind = 'nonceVerifier' | 'nodeVerifier'

// Each verifier made on a nonce store, with that store and how to make it again on another:
// the plugins accept a host's verifier beside a nonceStore only when it is one of these, on that store.
const made = new WeakMap<ComputeVerifier, { kind: StoreVerifierKind, store: NonceStore, remake: (store: NonceStore) => ComputeVerifier }>()

/** Notes that `verifier`, of `kind`, checks the nonces of `store`, and that `remake` makes it again on another store. */
export function madeOnStore (verifier: ComputeVerifier, kind: StoreVerifierKind, store: NonceStore, remake: (store: NonceStore) => ComputeVerifier): ComputeVerifier {
  made.set(verifier, { kind, store, remake })
  return verifier
}

/**
 * The default verifier with replay protection, for both forms clients use (spec
 * section 1.2.1). Without a `nonce` parameter (ocean.js 0.x, the reference provider's
 * scheme) the consumer signs `consumerAddress + jobId + documentId + current`, with the
 * current nonce of `GET <prefix>/nonce`. With one (later clients) the consumer signs
 * the same with its own nonce, which must be greater than any accepted before. Either
 * way, once the signature checked out, the address's nonce moves to the signed nonce
 * + 1, atomically in the store, so each signed message works once; a forged request
 * never moves it.
 */
export function nonceVerifier (store: NonceStore, options: NonceVerifierOptions = {}): ComputeVerifier {
  const buildMessage = options.buildMessage ?? defaultMessage
  const checkSignature = options.checkSignature ?? defaultCheckSignature
  const verifier: ComputeVerifier = {
    async verify (input) {
      const { consumerAddress: address, signature, nonce: sent } = input.params
      if (signature === undefined || signature === '') return undefined
      const key = address.toLowerCase()
      const nonce = typeof sent === 'string' ? parseNonce(sent) : await currentNonce(store, key, input.request)
      if (nonce === undefined) return undefined
      // A sent nonce is signed as sent (`007` is not `7` to the signer); the current one as its text.
      const message = (await buildMessage(input)) + (typeof sent === 'string' ? sent : nonce)
      if (!await checkSignature({ address, message, signature, input })) return undefined
      // Moving past the signed nonce (not to it) keeps a client's nonce from ever being
      // the current one: the same message without its `nonce` parameter cannot pass again.
      return await fromStore(input.request, () => store.advance(key, nextNonce(nonce))) ? address : undefined
    }
  }
  return madeOnStore(verifier, 'nonceVerifier', store, bounded => nonceVerifier(bounded, options))
}

/**
 * `verifier` made again on `bounded` when it is a verifier of `kind` made on `store`;
 * otherwise undefined, since nothing tells that it checks `store`'s nonces.
 */
export function sameStoreVerifier (verifier: ComputeVerifier, kind: StoreVerifierKind, store: NonceStore, bounded: NonceStore): ComputeVerifier | undefined {
  const origin = made.get(verifier)
  return origin?.kind === kind && origin.store === store ? origin.remake(bounded) : undefined
}
