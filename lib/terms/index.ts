import type { FastifyBaseLogger } from 'fastify'
import { ChainUnavailableError, InvalidOptionError, OrderUsesUnavailableError, TermsRefusedError, TermsUnavailableError } from '../errors.js'
import { httpStatusOf } from '../http-status.js'
import type { BuildWorkflow, BuildWorkflowInput } from '../workflow.js'
import type { Workflow, WorkflowInput } from '../../schemas/workflow.js'
import { isDdo, serviceOfType, type DDO, type DdoResolver, type Service } from './ddo.js'
import { decryptFileUrls } from './files.js'
import type { OrderToCheck, OrderVerifier } from './order-types.js'
import {
  algorithmService, builtAlgorithmProblem, isAlgorithm, messages, privacyVerdict,
  sameDid, serviceByIndex, serviceProblem, trustedAlgorithmProblem, type AlgorithmChoice
} from './policy.js'
import { cacheOf, type DdoCacheOptions } from './resolvers/cache.js'

export interface OceanTermsOptions {
  /** Where DDOs come from: `hostResolver`, `folderResolver`, `aquariusResolver` or your own. Required. */
  resolver: DdoResolver
  /** The provider's private key (0x and 64 hex digits): it decrypts the DDOs' encryptedFiles. Required. */
  privateKey: string
  /**
   * Checks each input's order (transferTxId) and the algorithm's (algorithmTransferTxId)
   * on chain (spec section 6.4). Without it orders are NOT checked: anyone may run any
   * allowed algorithm on the data without paying; the plugin warns at registration.
   */
  orders?: OrderVerifier
  /** DDOs kept between starts (bounded, with a time to live), or false. Default: `{ max: 1000, ttl: 60000 }`. */
  cache?: DdoCacheOptions | false
}

const PRIVATE_KEY = /^0x[0-9a-fA-F]{64}$/
const ADDRESS = /^0x[0-9a-fA-F]{40}$/

/** The datatoken of a V3 asset: its DDO's `dataToken`, else the address its DID is made of. */
function datatokenOf (ddo: DDO): string {
  return ddo.dataToken ?? `0x${ddo.id.slice('did:op:'.length)}`
}

function checkOptions (options: OceanTermsOptions): void {
  if (typeof options?.resolver !== 'function') throw new InvalidOptionError('terms.resolver must be a function (did, { signal }) => Promise<DDO | undefined>')
  if (typeof options.privateKey !== 'string' || !PRIVATE_KEY.test(options.privateKey)) {
    throw new InvalidOptionError('terms.privateKey must be the provider\'s private key: 0x and 64 hex digits')
  }
  if (options.orders !== undefined && typeof options.orders?.verify !== 'function') {
    throw new InvalidOptionError('terms.orders must have a verify(order, { signal }) method')
  }
}

/** Settles as `work` does, or rejects with the signal's reason once it aborts. */
function within<T> (work: Promise<T>, signal: AbortSignal): Promise<T> {
  signal.throwIfAborted()
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => { reject(signal.reason) }
    signal.addEventListener('abort', onAbort, { once: true })
    work.then(resolve, reject).finally(() => { signal.removeEventListener('abort', onAbort) })
  })
}

/** One input item of a start: the main one from the parameters, the others from additionalInputs. */
interface InputItem { documentId?: unknown, transferTxId?: unknown, serviceId?: unknown }

const given = (value: unknown): value is string => typeof value === 'string' && value !== ''

/** One start's run through the terms: its lookups, its refusals, the uses it took. */
class TermsCheck {
  readonly #lookups = new Map<string, Promise<DDO | undefined>>()
  readonly #signal: AbortSignal
  readonly #log: FastifyBaseLogger
  #index = 0

  constructor (readonly terms: Terms, readonly input: BuildWorkflowInput) {
    this.#signal = input.signal
    this.#log = input.request.log
  }

  refuse (message: string): never {
    throw new TermsRefusedError(this.#index > 0 ? messages.inputPrefix(this.#index) + message : message)
  }

  /** `work`, bounded by the signal; a fault of it becomes `fault` (503), its cause logged. */
  async ask<T> (work: () => Promise<T>, fault: string): Promise<T> {
    try {
      return await within(Promise.resolve().then(work), this.#signal)
    } catch (err) {
      if (err === this.#signal.reason && httpStatusOf(err) === 503) throw err
      this.#log.warn({ err }, fault)
      // The chain readers' own 503s are written for clients: "not final yet: try again".
      if (err instanceof ChainUnavailableError || err instanceof OrderUsesUnavailableError) throw err
      throw new TermsUnavailableError(fault, { cause: err })
    }
  }

  /** The DDO of `did`, checked against the schema; looked up once per start. */
  ddo (did: string): Promise<DDO | undefined> {
    let lookup = this.#lookups.get(did)
    if (lookup === undefined) {
      lookup = this.ask(async () => {
        const ddo: unknown = await this.terms.resolver(did, { signal: this.#signal })
        if (ddo === undefined || ddo === null) return undefined
        if (!isDdo(ddo) || !sameDid(ddo.id, did)) throw new Error(`the resolver answered no valid DDO of ${did}`)
        return ddo
      }, `The DDO of ${did} could not be read.`)
      this.#lookups.set(did, lookup)
    }
    return lookup
  }

  async found (did: string): Promise<DDO> {
    return await this.ddo(did) ?? this.refuse(messages.notFound(did))
  }

  /**
   * The order check of spec 6.4 when the host gave one; `invalid` refuses. A use taken is
   * given back by the route if the start fails after it (a later refusal, the operator).
   */
  async order (ddo: DDO, service: Service, txId: string, invalid: string): Promise<void> {
    const { orders } = this.terms
    if (orders === undefined) return
    const datatoken = datatokenOf(ddo)
    const { cost, timeout } = service.attributes.main
    // Without a timeout the reference provider found the order invalid (a KeyError).
    if (!ADDRESS.test(datatoken) || timeout === undefined) this.refuse(invalid)
    const order: OrderToCheck = {
      txId,
      did: ddo.id,
      datatoken: datatoken as `0x${string}`,
      serviceIndex: service.index,
      consumer: this.input.address as `0x${string}`,
      cost: String(cost ?? '0'),
      timeout
    }
    const verifying = Promise.resolve().then(() => orders.verify(order, { signal: this.#signal }))
    const verdict = await this.ask(() => verifying, 'The order could not be checked on chain.').catch(err => {
      // The start fails now: a verdict that comes after (a verifier that does not heed the signal) gives its use back.
      verifying.then(async late => { if (late.valid) await late.release?.() }).catch(() => {})
      throw err
    })
    if (!verdict.valid) this.refuse(invalid)
    if (verdict.release !== undefined) this.input.onStartFailed(verdict.release)
  }

  /** Spec 6.2 for input `index`, and 6.3 against it when it is a compute input. */
  async checkInput (item: InputItem, index: number, algorithm: AlgorithmChoice): Promise<WorkflowInput> {
    this.#index = index
    if (!given(item.documentId)) this.refuse(messages.noDocumentId)
    if (!given(item.transferTxId)) this.refuse(messages.noTransferTxId)
    const serviceId = item.serviceId === undefined || item.serviceId === null ? '' : String(item.serviceId)
    if (serviceId === '') this.refuse(messages.noServiceId)
    const did = item.documentId
    const ddo = await this.found(did)
    const service = serviceByIndex(ddo, serviceId)
    const problem = serviceProblem(ddo, service, serviceId, index, this.input.address)
    if (problem !== undefined) this.refuse(problem)
    const { main } = service!.attributes
    const urls = this.terms.urlsOf(ddo)
    if (service!.type === 'compute') {
      if (urls === undefined) this.refuse(messages.notHere)
      const verdict = privacyVerdict(main.privacy, algorithm, did)
      if (verdict === 'trusted-list') {
        const trusted = trustedAlgorithmProblem(main.privacy, algorithm.did!, await this.found(algorithm.did!))
        if (trusted !== undefined) this.refuse(trusted)
      } else if (verdict !== 'allowed') this.refuse(verdict)
    }
    const built: WorkflowInput = urls === undefined
      ? { index, id: did, remote: { txid: item.transferTxId, serviceIndex: service!.index } }
      : { index, id: did, url: urls }
    await this.order(ddo, service!, item.transferTxId, messages.orderInvalid(service!.index))
    return built
  }

  /** The algorithm of the workflow (spec 6.3, after the inputs): from its DDO, or raw. */
  async algorithm (choice: AlgorithmChoice): Promise<Workflow['stages'][number]['algorithm']> {
    this.#index = 0
    if (choice.did === undefined) {
      const { url, rawcode, container } = choice.meta ?? {}
      const raw = { id: '', url, rawcode, container }
      const problem = builtAlgorithmProblem(raw, undefined)
      if (problem !== undefined) this.refuse(problem)
      return withoutUndefined(raw) as Workflow['stages'][number]['algorithm']
    }
    const { params } = this.input
    const did = choice.did
    const ddo = await this.found(did)
    if (!isAlgorithm(ddo)) this.refuse(messages.notAnAlgorithm(did))
    const service = algorithmService(ddo)
    const urls = this.terms.urlsOf(ddo)
    if (this.terms.orders !== undefined) {
      // provider v0.4.x skipped all of this when algorithmMeta came too (spec section 5); not here.
      if (service === undefined || !given(params.algorithmTransferTxId) || !given(params.algorithmDataToken) ||
          params.algorithmDataToken.toLowerCase() !== datatokenOf(ddo).toLowerCase()) {
        this.refuse(messages.algorithmOrderInvalid)
      }
      if (service.type === 'compute' && urls === undefined) this.refuse(messages.algorithmNotHere)
      await this.order(ddo, service, params.algorithmTransferTxId, messages.algorithmOrderInvalid)
    }
    // A copy, as for the URLs: the DDO's own container is what later starts checksum.
    const container = structuredClone(serviceOfType(ddo, 'metadata')!.attributes.main.algorithm?.container)
    const built = urls === undefined
      ? {
          id: did,
          rawcode: '',
          remote: service === undefined ? undefined : { serviceEndpoint: service.serviceEndpoint, txId: params.algorithmTransferTxId, serviceIndex: service.index },
          container
        }
      : { id: did, rawcode: '', url: urls[0], container }
    const problem = builtAlgorithmProblem(built, did)
    if (problem !== undefined) this.refuse(problem)
    return withoutUndefined(built) as Workflow['stages'][number]['algorithm']
  }
}

function withoutUndefined (value: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined))
}

/** The terms of one registration: the resolver (cached), the key, the order verifier. */
class Terms {
  readonly resolver: DdoResolver
  readonly orders: OrderVerifier | undefined
  readonly #key: Uint8Array
  // Decrypting costs an elliptic-curve multiplication; a cached DDO keeps its URLs, for
  // the encryptedFiles they came from (a host may update its DDO in place).
  readonly #urls = new WeakMap<object, { from: string, urls: string[] | undefined }>()

  constructor (options: OceanTermsOptions) {
    this.resolver = options.cache === false ? options.resolver : cacheOf(options.resolver, options.cache, 'terms.cache.')
    this.orders = options.orders
    this.#key = Buffer.from(options.privateKey.slice(2), 'hex')
  }

  /** The decrypted file URLs of an asset, or undefined when they are not for this provider. */
  urlsOf (ddo: DDO): string[] | undefined {
    const metadata = serviceOfType(ddo, 'metadata')?.attributes
    if (metadata?.encryptedFiles === undefined) return undefined
    let known = this.#urls.get(metadata)
    if (known?.from !== metadata.encryptedFiles) {
      known = { from: metadata.encryptedFiles, urls: decryptFileUrls(metadata.encryptedFiles, this.#key) }
      this.#urls.set(metadata, known)
    }
    // A copy: the workflow is the operator's to change, the list is every later start's.
    return known.urls === undefined ? undefined : [...known.urls]
  }

  async build (input: BuildWorkflowInput): Promise<Workflow> {
    const { params } = input
    const check = new TermsCheck(this, input)
    // algorithmDid wins over algorithmMeta, as the reference provider ran the DID's algorithm; its checks are never skipped.
    const choice: AlgorithmChoice = params.algorithmDid !== undefined ? { did: params.algorithmDid } : { meta: params.algorithmMeta }
    const items: InputItem[] = [params, ...(params.additionalInputs ?? [])]
    const inputs: WorkflowInput[] = []
    for (const [index, item] of items.entries()) inputs.push(await check.checkInput(item, index, choice))
    const algorithm = await check.algorithm(choice)
    return {
      stages: [{
        index: 0,
        input: inputs,
        compute: { Instances: 1, namespace: 'ocean-compute', maxtime: 3600 },
        algorithm,
        output: params.output
      }]
    }
  }
}

/**
 * The data owner's terms (spec section 6) as the plugin's `buildWorkflow`: resolves the
 * DDO of every input and of the algorithm, runs the reference provider's checks in its
 * order (a refusal is a 400 with its message), checks the orders when `orders` is given,
 * and builds the workflow with the decrypted file URLs and the algorithm's container.
 * Pass its options as the plugin's `terms` option, or this function as `buildWorkflow`.
 */
export function oceanTerms (options: OceanTermsOptions): BuildWorkflow {
  checkOptions(options)
  const terms = new Terms(options)
  return async input => await terms.build(input)
}
