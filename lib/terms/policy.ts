import { containerSectionChecksum, filesChecksum } from './checksums.js'
import { serviceOfType, type DDO, type Privacy, type Service } from './ddo.js'

// The checks of spec sections 6.2 and 6.3 as plain functions: a DDO and a request in, a
// message (the reference provider's, word for word) or nothing out. index.ts runs them
// in the reference provider's order, between the lookups and the order checks.

/** The reference provider's messages (provider v0.4.10-v0.4.24, ocean_provider/validation/algo.py). */
export const messages = {
  noDocumentId: 'No documentId in input item.',
  noTransferTxId: 'No transferTxId in input item.',
  noServiceId: 'No serviceId in input item.',
  notFound: (did: string) => `Asset for did ${did} not found.`,
  denied: (did: string, code: number) => `Error: Access to asset ${did} was denied with code: ${code}.`,
  noService: (serviceId: string) => `Service index ${serviceId} not found.`,
  notAccessOrCompute: 'Services in input can only be access or compute.',
  mainNotCompute: 'Service for main asset must be compute.',
  notHere: 'Services in input with compute type must be in the same provider you are calling.',
  algorithmNotHere: 'Services in algorithm with compute type must be in the same provider you are calling.',
  orderInvalid: (serviceIndex: number) => `Order for serviceId ${serviceIndex} is not valid.`,
  noAlgorithm: 'both algorithmMeta and algorithmDid are missing, at least one of these is required.',
  noRawAlgorithm: (did: string) => `cannot run raw algorithm on this did ${did}.`,
  noTrustedAlgorithms: 'Using algorithmDid but allowAllPublishedAlgorithms is False and no trusted algorithms are set in publisherTrustedAlgorithms.',
  untrustedPublisher: 'this algorithm is not from a trusted publisher',
  trustedWithoutDid: 'Some algos in the publisherTrustedAlgorithms don\'t have a did.',
  untrusted: (did: string) => `this algorithm did ${did} is not trusted.`,
  filesChecksum: (did: string) => `filesChecksum for algorithm with did ${did} does not match`,
  containerChecksum: (did: string) => `containerSectionChecksum for algorithm with did ${did} does not match`,
  notAnAlgorithm: (did: string) => `DID ${did} is not a valid algorithm`,
  algorithmOrderInvalid: 'Algorithm is already in use or can not be found on chain.',
  noAlgorithmUrl: (did: string) => `cannot get url for the algorithmDid ${did}`,
  noAlgorithmCode: 'algorithmMeta must define one of `url` or `rawcode` or `remote`, but all seem missing.',
  incompleteContainer: 'algorithm `container` must specify values for all of entrypoint, image and tag.',
  inputPrefix: (index: number) => `Error in input at index ${index}: `
} as const

/** Codes of provider v0.4.x `ConsumableCodes`. */
export const Consumable = { OK: 0, DISABLED: 1, NOT_IN_ALLOW_LIST: 3, IN_DENY_LIST: 4 } as const

function addressesOf (ddo: DDO, list: 'allow' | 'deny'): string[] {
  const entry = ddo.credentials?.[list]?.find(item => item.type === 'address')
  return (entry?.values ?? []).map(address => address.toLowerCase())
}

/**
 * Whether `consumer` may use the asset (provider v0.4.x `Asset.is_consumable`): not when
 * its metadata says it is disabled or retired, nor when an allow list leaves the consumer
 * out, nor (without an allow list) when the deny list names it. Addresses ignore case.
 */
export function consumableCode (ddo: DDO, consumer: string): number {
  const status = serviceOfType(ddo, 'metadata')?.attributes.status
  if (status?.isOrderDisabled === true || status?.isRetired === true) return Consumable.DISABLED
  const allowed = addressesOf(ddo, 'allow')
  const address = consumer.toLowerCase()
  if (allowed.length > 0) return allowed.includes(address) ? Consumable.OK : Consumable.NOT_IN_ALLOW_LIST
  return addressesOf(ddo, 'deny').includes(address) ? Consumable.IN_DENY_LIST : Consumable.OK
}

/**
 * The service a request names by `serviceId` (a decimal text or a number), or undefined.
 * The reference provider crashed on an index it could not find or read (a 503); here it
 * is the client's mistake, told as one.
 */
export function serviceByIndex (ddo: DDO, serviceId: string): Service | undefined {
  if (!/^\d{1,9}$/.test(serviceId)) return undefined
  const index = Number(serviceId)
  return ddo.service.find(service => service.index === index)
}

/**
 * What refuses the service for input `index` (spec 6.2, after the lookup): the consumer's
 * access, the service index, its type. The caller then decrypts the files.
 */
export function serviceProblem (ddo: DDO, service: Service | undefined, serviceId: string, index: number, consumer: string): string | undefined {
  const code = consumableCode(ddo, consumer)
  if (code !== Consumable.OK) return messages.denied(ddo.id, code)
  if (service === undefined) return messages.noService(serviceId)
  if (service.type !== 'access' && service.type !== 'compute') return messages.notAccessOrCompute
  if (service.type !== 'compute' && index === 0) return messages.mainNotCompute
  return undefined
}

/** Two DIDs name the same asset: `did:op:` and the same address, in any case. */
export function sameDid (a: string, b: string): boolean {
  return a.toLowerCase() === b.toLowerCase()
}

/** The algorithm a start asks for: by DID, or raw (algorithmMeta). */
export type AlgorithmChoice = { did: string } | { did?: undefined, meta: Record<string, unknown> | undefined }

/**
 * What a compute service's privacy decides about the algorithm before its DDO is needed:
 * a message, 'allowed', or 'trusted-list' (the algorithm must be checked against
 * publisherTrustedAlgorithms with its DDO: trustedAlgorithmProblem).
 */
export function privacyVerdict (privacy: Privacy | undefined, algorithm: AlgorithmChoice, did: string): string | 'allowed' | 'trusted-list' {
  if (algorithm.did === undefined) {
    if (algorithm.meta === undefined) return messages.noAlgorithm
    return privacy?.allowRawAlgorithm === true ? 'allowed' : messages.noRawAlgorithm(did)
  }
  if (privacy?.allowAllPublishedAlgorithms === true) return 'allowed'
  const trusted = privacy?.publisherTrustedAlgorithms ?? []
  const publishers = privacy?.publisherTrustedAlgorithmPublishers ?? []
  return trusted.length === 0 && publishers.length === 0 ? messages.noTrustedAlgorithms : 'trusted-list'
}

/**
 * An algorithm by DID against publisherTrustedAlgorithms (and, v0.4.14+,
 * publisherTrustedAlgorithmPublishers, compared ignoring case), with the checksums of
 * the entry when it has them. `algorithm` is the algorithm's DDO.
 */
export function trustedAlgorithmProblem (privacy: Privacy | undefined, algorithmDid: string, algorithm: DDO): string | undefined {
  const publishers = (privacy?.publisherTrustedAlgorithmPublishers ?? []).map(address => address.toLowerCase())
  if (publishers.length > 0 && !publishers.includes(String(algorithm.proof?.creator).toLowerCase())) {
    return messages.untrustedPublisher
  }
  const trusted = privacy?.publisherTrustedAlgorithms ?? []
  if (trusted.some(entry => entry.did === undefined)) return messages.trustedWithoutDid
  const entry = trusted.find(item => sameDid(item.did!, algorithmDid))
  if (entry === undefined) return messages.untrusted(algorithmDid)
  const metadata = serviceOfType(algorithm, 'metadata')?.attributes
  if (entry.filesChecksum !== undefined && entry.filesChecksum !== '' &&
      filesChecksum(metadata?.encryptedFiles ?? '', metadata?.main.files) !== entry.filesChecksum) {
    return messages.filesChecksum(algorithm.id)
  }
  if (entry.containerSectionChecksum !== undefined && entry.containerSectionChecksum !== '' &&
      containerSectionChecksum(metadata?.main.algorithm?.container) !== entry.containerSectionChecksum) {
    return messages.containerChecksum(algorithm.id)
  }
  return undefined
}

/** The algorithm's DDO describes an algorithm (its metadata's `main.type`). */
export function isAlgorithm (ddo: DDO): boolean {
  return serviceOfType(ddo, 'metadata')?.attributes.main.type === 'algorithm'
}

/** The service the algorithm's order pays for: its access service, else its compute service (what ocean.js 0.x orders). */
export function algorithmService (ddo: DDO): Service | undefined {
  return serviceOfType(ddo, 'access') ?? serviceOfType(ddo, 'compute')
}

/** The built algorithm of the workflow, checked last (provider `validate_formatted_algorithm_dict`). */
export function builtAlgorithmProblem (algorithm: { url?: unknown, rawcode?: unknown, remote?: unknown, container?: unknown }, algorithmDid: string | undefined): string | undefined {
  const given = (value: unknown) => value !== undefined && value !== null && value !== ''
  if (algorithmDid !== undefined && !given(algorithm.url) && !given(algorithm.remote)) return messages.noAlgorithmUrl(algorithmDid)
  if (!given(algorithm.url) && !given(algorithm.rawcode) && !given(algorithm.remote)) return messages.noAlgorithmCode
  const container = (algorithm.container ?? {}) as Record<string, unknown>
  if (!given(container.entrypoint) || !given(container.image) || !given(container.tag)) return messages.incompleteContainer
  return undefined
}
