// The example provider's paid mode, on the reference provider's variables:
//
// - NETWORK_URL: the chain's JSON-RPC node. Set, every start's orders are checked on it
//   (chainOrders); its chain id must answer at start.
// - JOBS_PER_ORDER: jobs one order may start (unset: as many as it is valid for).
// - AQUARIUS_URL: DDOs from this Aquarius; unset, from the chain itself (chainDdos), through
// - ADDRESS_FILE: a JSON file in the format of @oceanprotocol/contracts' artifacts/address.json
//   (addresses by network name), whose network's `Metadata` emits the DDOs. The network is
//   NETWORK_NAME, else the chain id's name ('development' for 1337, 8996 and 31337).
//
// Configuration that cannot work fails at start, naming the variable.
import { readFile } from 'node:fs/promises'
import { aquariusResolver, chainDdos, chainOrders, type OceanTermsOptions } from 'fastify-ocean-compute'

export interface ChainConfig {
  networkUrl: string
  addressFile?: string
  networkName?: string
  jobsPerOrder?: number
  aquariusUrl?: string
  /** The file URLs' origin in the DDOs published by example:chain: PUBLIC_URL, else the listening address. */
  publicUrl?: string
  /** What example:chain published, for the provider's root page (it fills the lists once it has). */
  published: { datasets: string[], algorithms: string[] }
}

// The names ocean-lib gives chain ids (ocean_lib.web3_internal.utils.get_network_name).
const NETWORK_NAMES: Readonly<Record<number, string>> = {
  1: 'mainnet', 3: 'ropsten', 4: 'rinkeby', 56: 'bsc', 137: 'polygon', 1287: 'moonbase', 1337: 'development', 8996: 'development', 31337: 'development'
}

/** The paid mode's configuration, or undefined when NETWORK_URL is unset. */
export function chainFromEnv (env: NodeJS.ProcessEnv): ChainConfig | undefined {
  if (!env.NETWORK_URL) return undefined
  let url: URL | undefined
  try { url = new URL(env.NETWORK_URL) } catch {}
  if (url === undefined || !['http:', 'https:'].includes(url.protocol)) throw new Error('NETWORK_URL must be an http(s) URL of a JSON-RPC node')
  const jobs = env.JOBS_PER_ORDER || undefined
  if (jobs !== undefined && !/^[1-9]\d{0,8}$/.test(jobs)) throw new Error(`JOBS_PER_ORDER must be a positive integer (unset: no limit), got ${JSON.stringify(jobs)}`)
  return {
    networkUrl: env.NETWORK_URL,
    addressFile: env.ADDRESS_FILE || undefined,
    networkName: env.NETWORK_NAME || undefined,
    jobsPerOrder: jobs === undefined ? undefined : Number(jobs),
    aquariusUrl: env.AQUARIUS_URL || undefined,
    publicUrl: env.PUBLIC_URL || undefined,
    published: { datasets: [], algorithms: [] }
  }
}

// The node's URL may carry an API key in its path or its user part: messages name its origin only.
const where = (url: string) => new URL(url).origin

async function chainIdOf (url: string): Promise<number> {
  let answer: { result?: unknown, error?: { message?: string } }
  try {
    const response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'eth_chainId', params: [] }),
      signal: AbortSignal.timeout(10_000)
    })
    answer = await response.json() as typeof answer
  } catch (err) {
    throw new Error(`NETWORK_URL (${where(url)}) did not answer eth_chainId: ${(err as Error).message.split(url).join(where(url))}`)
  }
  if (typeof answer?.result !== 'string' || !/^0x[0-9a-f]+$/i.test(answer.result)) {
    throw new Error(`NETWORK_URL (${where(url)}) is no JSON-RPC node: eth_chainId answered ${JSON.stringify(answer).slice(0, 200)}`)
  }
  return Number(answer.result)
}

/** The V3 Metadata contract's address for `network` in the address file at `path`. */
async function metadataAddress (path: string, network: string): Promise<string> {
  let addresses: Record<string, Record<string, unknown> | undefined>
  try {
    addresses = JSON.parse(await readFile(path, 'utf8'))
  } catch (err) {
    throw new Error(`ADDRESS_FILE ${path} could not be read as JSON: ${(err as Error).message}`, { cause: err })
  }
  const contracts = addresses?.[network]
  if (contracts === null || typeof contracts !== 'object') {
    throw new Error(`ADDRESS_FILE ${path} has no "${network}" network (it has: ${Object.keys(addresses ?? {}).join(', ') || 'none'}); set NETWORK_NAME to pick one`)
  }
  const metadata = contracts.Metadata
  if (typeof metadata !== 'string' || !/^0x[0-9a-f]{40}$/i.test(metadata)) throw new Error(`ADDRESS_FILE ${path}: "${network}" has no Metadata address`)
  return metadata
}

/**
 * The data owner's terms of a paid provider: orders checked on the chain, DDOs from
 * Aquarius or from the chain; and what its root page says about them.
 */
export async function chainTerms (config: ChainConfig, privateKey: string): Promise<{ terms: OceanTermsOptions, chainId: number, info: () => Record<string, unknown> }> {
  const chainId = await chainIdOf(config.networkUrl)
  const network = config.networkName ?? NETWORK_NAMES[chainId]
  let resolver
  if (config.aquariusUrl !== undefined) resolver = aquariusResolver({ url: config.aquariusUrl })
  else {
    if (config.addressFile === undefined) throw new Error('ADDRESS_FILE is needed without AQUARIUS_URL: the DDOs are read from the chain\'s Metadata contract')
    if (network === undefined) throw new Error(`NETWORK_NAME is needed: chain ${chainId} (NETWORK_URL) has no known name in ADDRESS_FILE's terms`)
    resolver = chainDdos({ rpcUrl: config.networkUrl, metadata: await metadataAddress(config.addressFile, network) })
  }
  // Confirmations: chainOrders' default, 0 on development chains (which mine only when asked), 1 elsewhere.
  const orders = chainOrders({ rpcUrl: config.networkUrl, jobsPerOrder: config.jobsPerOrder })
  return {
    terms: { resolver, privateKey, orders },
    chainId,
    info: () => ({ terms: true, chainId, jobsPerOrder: config.jobsPerOrder ?? null, ...config.published })
  }
}
