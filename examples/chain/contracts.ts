// Ocean's V3 contracts on a development chain, with viem and fixed keys: what the example
// chain (examples/chain/run.ts) deploys and publishes with, and what the chain tests use.
import { createRequire } from 'node:module'
import {
  bytesToHex, createPublicClient, createWalletClient, defineChain, http, parseEventLogs, parseUnits, toHex,
  type Abi, type Account, type Address, type Chain, type Hex, type PublicClient
} from 'viem'
import { mnemonicToAccount } from 'viem/accounts'
import { foundry } from 'viem/chains'

const require = createRequire(import.meta.url)
interface Artifact { abi: Abi, bytecode: Hex }
const artifact = (name: string) => require(`@oceanprotocol/contracts/artifacts/${name}.json`) as Artifact
/** Ocean's V3 contracts as @oceanprotocol/contracts 0.5.16 ships them. */
export const DTFactory = artifact('DTFactory')
export const DataTokenTemplate = artifact('DataTokenTemplate')
export const OPFCommunityFeeCollector = artifact('OPFCommunityFeeCollector')
export const Metadata = artifact('Metadata')

/** anvil's funded accounts, from its well-known test mnemonic: fixed keys, so every run is the same. */
const MNEMONIC = 'test test test test test test test test test test test junk'
const roles = ['deployer', 'publisher', 'consumer', 'payer', 'stranger', 'market'] as const
export const accounts = Object.fromEntries(roles.map((role, addressIndex) => [role, mnemonicToAccount(MNEMONIC, { addressIndex }) as Account])) as Record<typeof roles[number], Account>

/** Ocean's V3 contracts deployed on the node at `url`, and what the tests do with them. */
export interface Ocean {
  url: string
  chain: PublicClient
  factory: Address
  collector: Address
  metadata: Address
  /** A new datatoken of `minter` (default: the publisher), with 100 tokens minted to the consumer and the payer. */
  datatoken(minter?: Account): Promise<Address>
  /** `startOrder` from `from`, mined; its transaction hash. */
  order(datatoken: Address, options: { from?: Account, consumer?: Address, amount?: string, serviceId?: number, market?: Address }): Promise<Hex>
  /** Any call of a contract, mined; its transaction hash. `gas` set, a reverting call is mined too. */
  send(from: Account, to: Address, abi: Abi, functionName: string, args: unknown[], gas?: bigint): Promise<Hex>
  /** A plain transaction with `data` (no ABI), mined; its hash. */
  transact(from: Account, to: Address, data: Hex, gas: bigint): Promise<Hex>
  /** Deploys `bytecode` (with constructor `args` for `abi`) from the deployer; its address. */
  deploy(abi: Abi, bytecode: Hex, args?: unknown[]): Promise<Address>
}

// ocean.js 0.9/0.11 OnChainMetadata.compressDDO: LZMA-JS's compressor, no end mark, level 9, as hex.
const LZMA = (require('lzma/src/lzma-c.js') as { LZMA: { disableEndMark?: boolean, compress: (text: string | number[], mode: number) => number[] } }).LZMA
/** `text` (or bytes) compressed as ocean.js compresses a DDO for the Metadata contract. */
export function compressDDOText (text: string | number[]): Hex {
  LZMA.disableEndMark = true
  return bytesToHex(Uint8Array.from(LZMA.compress(text, 9), byte => byte & 255))
}
/** A DDO as ocean.js 0.9/0.11 publish it (`DDO.serialize`, then compressed): `data` of `Metadata.create` with flags 0x01. */
export const compressDDO = (ddo: unknown) => compressDDOText(JSON.stringify(ddo, null, 2))

/** Transactions on the node at `url` (whatever its chain id), each awaited until mined. */
export async function chainAt (url: string) {
  const id = Number(await createPublicClient({ transport: http(url) }).getChainId())
  const chainOf: Chain = id === foundry.id ? foundry : defineChain({ ...foundry, id, name: `chain ${id}` })
  const chain = createPublicClient({ chain: chainOf, transport: http(url) })
  const wallet = (account: Account) => createWalletClient({ account, chain: chainOf, transport: http(url) })
  async function mined (hash: Hex) {
    return await chain.waitForTransactionReceipt({ hash, pollingInterval: 20 })
  }
  return {
    id,
    chain,
    wallet,
    mined,
    /** Any call of a contract, mined; its transaction hash. `gas` set, a reverting call is mined too. */
    async send (from: Account, to: Address, abi: Abi, functionName: string, args: unknown[], gas?: bigint): Promise<Hex> {
      const hash = await wallet(from).writeContract({ address: to, abi, functionName, args, chain: chainOf, account: from, ...(gas === undefined ? {} : { gas }) })
      await mined(hash)
      return hash
    },
    /** A V3 `startOrder` of `amount` datatokens for `serviceId`, from `from` for `consumer`, mined; its transaction hash. */
    async order (datatoken: Address, { from, consumer = from.address, amount = '1', serviceId = 1, market = ZERO }: { from: Account, consumer?: Address, amount?: string, serviceId?: number, market?: Address }) {
      return await this.send(from, datatoken, DataTokenTemplate.abi, 'startOrder', [consumer, parseUnits(amount, 18), BigInt(serviceId), market])
    }
  }
}

const ZERO = '0x0000000000000000000000000000000000000000'

export async function deployOcean (url: string): Promise<Ocean> {
  const node = await chainAt(url)
  const { chain, wallet, mined, send } = node
  async function deploy (abi: Abi, bytecode: Hex, args: unknown[] = []): Promise<Address> {
    const hash = await wallet(accounts.deployer).deployContract({ abi, bytecode, args })
    return (await mined(hash)).contractAddress!
  }
  const template = await deploy(DataTokenTemplate.abi, DataTokenTemplate.bytecode, ['Template', 'TMPL', accounts.deployer.address, 1n, 'template', accounts.deployer.address])
  const collector = await deploy(OPFCommunityFeeCollector.abi, OPFCommunityFeeCollector.bytecode, [accounts.deployer.address, accounts.deployer.address])
  const factory = await deploy(DTFactory.abi, DTFactory.bytecode, [template, collector])
  const metadata = await deploy(Metadata.abi, Metadata.bytecode)

  return {
    url,
    chain,
    factory,
    collector,
    metadata,
    send,
    deploy,
    async transact (from, to, data, gas) {
      const hash = await wallet(from).sendTransaction({ to, data, gas, account: from, chain: chain.chain })
      await mined(hash)
      return hash
    },
    async datatoken (minter = accounts.publisher) {
      const hash = await send(minter, factory, DTFactory.abi, 'createToken', ['https://example.org', 'Data', 'DT', parseUnits('1000000', 18)])
      const [created] = parseEventLogs({ abi: DTFactory.abi, eventName: 'TokenCreated', logs: (await mined(hash)).logs }) as unknown as [{ args: { newTokenAddress: Address } }]
      const token = created.args.newTokenAddress
      for (const holder of [accounts.consumer, accounts.payer]) {
        await send(minter, token, DataTokenTemplate.abi, 'mint', [holder.address, parseUnits('100', 18)])
      }
      return token
    },
    async order (datatoken, { from = accounts.consumer, ...options }) {
      return await node.order(datatoken, { from, ...options })
    }
  }
}

export { toHex }
