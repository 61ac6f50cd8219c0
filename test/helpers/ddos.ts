import type { FastifyInstance } from 'fastify'
import { privateKeyToAccount } from 'viem/accounts'
import { COMPUTE_PATH } from './build.js'
import { alice, sign } from './sign.js'
import { encryptFiles } from '../../lib/terms/files.js'
import type { DDO, Privacy } from '../../lib/terms/ddo.js'
import type { OrderToCheck, OrderVerdict, OrderVerifier } from '../../lib/terms/order-types.js'
import { containerSectionChecksum, filesChecksum } from '../../lib/terms/checksums.js'

// DDOs of Ocean V3 as ocean.js 0.x publishes them (a metadata service with the files
// encrypted for the provider, a compute or access service with its cost, timeout and
// privacy), for the terms' tests. The provider's key is the reference provider's test
// key (its pytest.ini); never used outside tests.

export const PROVIDER_KEY = '0xfd5c1ccea015b6d663618850824154a3b3fb2882c46cefb05b9a93fea8c3d215'
export const provider = privateKeyToAccount(PROVIDER_KEY)
/** Another provider's key: files encrypted for it do not decrypt here. */
export const otherProvider = privateKeyToAccount('0x' + '7'.repeat(64) as `0x${string}`)

export const DATASET_TOKEN = '0x' + 'd1'.repeat(20)
export const DATASET_DID = `did:op:${DATASET_TOKEN.slice(2)}`
export const SECOND_TOKEN = '0x' + 'd2'.repeat(20)
export const SECOND_DID = `did:op:${SECOND_TOKEN.slice(2)}`
export const ALGORITHM_TOKEN = '0x' + 'a1'.repeat(20)
export const ALGORITHM_DID = `did:op:${ALGORITHM_TOKEN.slice(2)}`
export const DATASET_URL = 'https://data.example/weather.csv'
export const ALGORITHM_URL = 'https://code.example/summary.js'
export const CONTAINER = { entrypoint: 'node $ALGO', image: 'node', tag: '20-alpine' }
export const PUBLISHER = '0x' + 'b0'.repeat(20)

export interface DatasetOptions {
  token?: string
  privacy?: Privacy
  /** The type of service 1: compute (default) or access. */
  serviceType?: string
  urls?: string[]
  /** Encrypt for another provider. */
  elsewhere?: boolean
  extra?: Partial<DDO>
  status?: Record<string, boolean>
}

/** A dataset with a metadata service (index 0) and a compute service (index 1, cost 1, timeout 3600). */
export function dataset (options: DatasetOptions = {}): DDO {
  const token = options.token ?? DATASET_TOKEN
  const urls = options.urls ?? [DATASET_URL]
  const key = (options.elsewhere === true ? otherProvider : provider).publicKey
  return {
    id: `did:op:${token.slice(2)}`,
    dataToken: token,
    proof: { creator: PUBLISHER },
    service: [
      {
        type: 'metadata',
        index: 0,
        serviceEndpoint: 'https://aquarius.example/api/v1/aquarius/assets/ddo/x',
        attributes: {
          main: { type: 'dataset', name: 'Weather', files: urls.map((_, index) => ({ index, contentType: 'text/csv' })) },
          encryptedFiles: encryptFiles(urls.map((url, index) => ({ url, index, contentType: 'text/csv' })), key),
          ...(options.status === undefined ? {} : { status: options.status })
        }
      },
      {
        type: options.serviceType ?? 'compute',
        index: 1,
        serviceEndpoint: 'https://provider.example',
        attributes: { main: { name: 'compute', cost: '1', timeout: 3600, privacy: options.privacy ?? { allowRawAlgorithm: true } } }
      }
    ],
    ...options.extra
  } as DDO
}

// Encrypted once per URL: an ECIES ciphertext differs each time, and filesChecksum covers it.
const ciphertexts = new Map<string, string>()
function encrypted (url: string, elsewhere: boolean): string {
  const key = `${String(elsewhere)} ${url}`
  let text = ciphertexts.get(key)
  if (text === undefined) {
    text = encryptFiles([{ url, index: 0 }], (elsewhere ? otherProvider : provider).publicKey)
    ciphertexts.set(key, text)
  }
  return text
}

/** The bundled-style algorithm: a metadata service with its container and encrypted URL, an access service (index 1). */
export function algorithm (options: { url?: string, container?: Record<string, string>, creator?: string, type?: string, elsewhere?: boolean } = {}): DDO {
  return {
    id: ALGORITHM_DID,
    dataToken: ALGORITHM_TOKEN,
    proof: { creator: options.creator ?? PUBLISHER },
    service: [
      {
        type: 'metadata',
        index: 0,
        attributes: {
          main: {
            type: options.type ?? 'algorithm',
            name: 'Summary',
            files: [{ index: 0, contentType: 'text/javascript' }],
            algorithm: { language: 'js', format: 'docker-image', version: '0.1', container: options.container ?? CONTAINER }
          },
          encryptedFiles: encrypted(options.url ?? ALGORITHM_URL, options.elsewhere === true)
        }
      },
      { type: 'access', index: 1, serviceEndpoint: 'https://provider.example', attributes: { main: { name: 'access', cost: '2', timeout: 0 } } }
    ]
  } as unknown as DDO
}

/** The entry of publisherTrustedAlgorithms for `ddo`, with its checksums. */
export function trusted (ddo: DDO): { did: string, filesChecksum: string, containerSectionChecksum: string } {
  const { attributes } = ddo.service[0]!
  return {
    did: ddo.id,
    filesChecksum: filesChecksum(attributes.encryptedFiles!, attributes.main.files),
    containerSectionChecksum: containerSectionChecksum(attributes.main.algorithm!.container)
  }
}

/**
 * An OrderVerifier in memory: the orders it knows, by txId, are valid for their
 * datatoken and service; each verify is recorded; uses taken are counted and given back.
 */
export class MemoryOrders implements OrderVerifier {
  readonly checked: OrderToCheck[] = []
  readonly valid = new Map<string, { datatoken: string, serviceIndex: number }>()
  uses = 0
  released = 0
  fault: Error | undefined
  /** Makes each verify wait this long (ms), unless aborted. */
  delay = 0

  pay (txId: string, datatoken: string, serviceIndex: number): this {
    this.valid.set(txId, { datatoken: datatoken.toLowerCase(), serviceIndex })
    return this
  }

  async verify (order: OrderToCheck, { signal }: { signal: AbortSignal }): Promise<OrderVerdict> {
    this.checked.push(order)
    if (this.delay > 0) await new Promise(resolve => setTimeout(resolve, this.delay))
    signal.throwIfAborted()
    if (this.fault !== undefined) throw this.fault
    const paid = this.valid.get(order.txId)
    if (paid === undefined || paid.datatoken !== order.datatoken.toLowerCase() || paid.serviceIndex !== order.serviceIndex) return { valid: false }
    this.uses++
    return { valid: true, release: async () => { this.released++ } }
  }
}

/** A start by algorithmDid as a client sends it: Alice, the dataset's compute service and order, the algorithm's order; `output` as given. */
export async function startByDid (app: { inject: FastifyInstance['inject'] }, output: Record<string, unknown> = {}) {
  return await app.inject({
    method: 'POST',
    url: COMPUTE_PATH,
    payload: {
      consumerAddress: alice.address,
      signature: await sign(alice, { documentId: DATASET_DID }),
      documentId: DATASET_DID,
      serviceId: 1,
      transferTxId: '0xtx',
      algorithmDid: ALGORITHM_DID,
      algorithmDataToken: ALGORITHM_TOKEN,
      algorithmTransferTxId: '0xalgo',
      output
    }
  })
}
