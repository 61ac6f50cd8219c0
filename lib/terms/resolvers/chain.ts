import { decodeAbiParameters, hexToBytes, padHex, toEventSelector } from 'viem'
import { InvalidOptionError, ChainUnavailableError } from '../../errors.js'
import { parseUntrustedJson } from '../../json.js'
import { positiveInteger, timeout as timeoutOption, wholeNumber } from '../../option-checks.js'
import { clientFrom, expired, raced, type Bound, type ChainClient } from '../chain-client.js'
import { boundedAlone } from './lzma-alone.js'
import { DecoderBusyError, lzmaDecoder } from './lzma-decoder.js'
import { isDdo, type DDO, type DdoResolver } from '../ddo.js'

export interface ChainDdosOptions {
  /** The chain's JSON-RPC endpoint (http or https). Either this or `client`. */
  rpcUrl?: string
  /** A viem client (or any EIP-1193 provider) for the chain. Either this or `rpcUrl`. */
  client?: ChainClient
  /** The V3 `Metadata` contract's address (`@oceanprotocol/contracts`' `artifacts/address.json`). */
  metadata: string
  /** The first block to search, such as the Metadata contract's: some RPC nodes limit the range of one search. Default: 0. */
  fromBlock?: number
  /** How long a DDO read from the chain is served before the chain is asked for a newer event, in ms. Default: 60 000. */
  ttl?: number
  /** DDOs kept. Default: 1000. */
  cacheSize?: number
  /**
   * The largest DDO accepted, in bytes once decompressed. Default: 256 KiB: Ocean's DDOs
   * are a few KB, and an LZMA stream of a few hundred bytes (cheap to publish) can claim
   * this whole bound, which its decompression then costs in CPU.
   */
  maxBytes?: number
  /** The longest one resolution may take, in ms. Default: 10 000. */
  timeout?: number
  /** With `rpcUrl`: the largest answer read from the node, in bytes; a larger one is a 503. Default: 8 MiB. */
  maxResponseBytes?: number
}

const CREATED = toEventSelector('MetadataCreated(address,address,bytes,bytes)')
const UPDATED = toEventSelector('MetadataUpdated(address,address,bytes,bytes)')
const DID = /^did:op:([0-9a-f]{40})$/i
const QUANTITY = /^0x[0-9a-f]{1,16}$/i
const FLAG_LZMA = 1
const FLAG_ENCRYPTED = 2
// DDOs that may wait for the decoder while it decompresses another: beyond them, a 503 at once.
const DECODER_QUEUE = 8

interface Event { block: bigint, index: bigint, data: `0x${string}` }
interface Entry { event: Event | undefined, ddo: DDO | undefined, checked: number }

function eventOf (value: unknown): Event {
  const { blockNumber, logIndex, data, removed } = (value ?? {}) as Record<string, unknown>
  if (typeof blockNumber !== 'string' || !QUANTITY.test(blockNumber) || typeof logIndex !== 'string' || !QUANTITY.test(logIndex) ||
    typeof data !== 'string' || !/^0x([0-9a-f]{2})*$/i.test(data) || removed === true) {
    throw new TypeError('eth_getLogs answered a malformed log')
  }
  return { block: BigInt(blockNumber), index: BigInt(logIndex), data: data as `0x${string}` }
}

const later = (a: Event, b: Event) => a.block > b.block || (a.block === b.block && a.index > b.index)

/**
 * The DDO an event carries, as ocean.js 0.9/0.11 publish it (`OnChainMetadata`): `flags`
 * bit 0 set, `data` LZMA-compressed in the `.lzma` alone format, decompressed by `decode`
 * (off the event loop); bit 0 clear, plain JSON text. Undefined for what no provider can
 * read: encrypted for Aquarius (bit 1), not LZMA, not JSON, too large, or not a DDO.
 */
async function ddoOf (event: Event, maxBytes: number, decode: (stream: Uint8Array) => Promise<string | undefined>): Promise<DDO | undefined> {
  const [flags, data] = decodeAbiParameters([{ type: 'bytes' }, { type: 'bytes' }], event.data)
  const flag = flags === '0x' ? 0 : hexToBytes(flags)[0]!
  if ((flag & FLAG_ENCRYPTED) !== 0) return undefined
  const bytes = hexToBytes(data)
  let text: string | undefined
  if ((flag & FLAG_LZMA) !== 0) {
    const stream = boundedAlone(bytes, maxBytes)
    text = stream === undefined ? undefined : await decode(stream)
  } else {
    text = bytes.length > maxBytes ? undefined : Buffer.from(bytes).toString('utf8')
  }
  if (text === undefined) return undefined
  try {
    const ddo = parseUntrustedJson(text, 'remove')
    return isDdo(ddo) ? ddo : undefined
  } catch {
    return undefined
  }
}

/**
 * DDOs straight from the chain, without Aquarius: the latest `MetadataCreated` or
 * `MetadataUpdated` event of the DID's datatoken on the V3 `Metadata` contract (which
 * only the datatoken's minter can emit), decoded as Aquarius v3 does. A DDO is served
 * from memory for `ttl` ms, then the chain is asked again from its event's block, and a
 * newer event replaces it. Concurrent resolutions of one DID share one search. Rejects
 * with a 503 error when the chain cannot be asked.
 */
export function chainDdos (options: ChainDdosOptions): DdoResolver {
  const timeout = timeoutOption('chainDdos: timeout', options.timeout, 10_000)
  const client = clientFrom('chainDdos', options, timeout)
  const metadata = String(options.metadata)
  if (!/^0x[0-9a-f]{40}$/i.test(metadata)) throw new InvalidOptionError('chainDdos: metadata must be the Metadata contract\'s address (0x and 40 hex digits)')
  const fromBlock = BigInt(wholeNumber('chainDdos: fromBlock', options.fromBlock, 0))
  const ttl = wholeNumber('chainDdos: ttl', options.ttl, 60_000)
  const cacheSize = wholeNumber('chainDdos: cacheSize', options.cacheSize, 1000)
  const maxBytes = positiveInteger('chainDdos: maxBytes', options.maxBytes, 256 * 1024)
  const decoder = lzmaDecoder(DECODER_QUEUE)

  const entries = new Map<string, Entry>()
  const searches = new Map<string, { pending: Promise<Entry>, bound: Bound }>()

  async function latest (datatoken: string, from: bigint, bound: Bound): Promise<Event | undefined> {
    const logs = await raced(client.request({
      method: 'eth_getLogs',
      params: [{ address: metadata, topics: [[CREATED, UPDATED], padHex(`0x${datatoken}`)], fromBlock: '0x' + from.toString(16), toBlock: 'latest' }]
    }), bound)
    if (!Array.isArray(logs)) throw new TypeError('eth_getLogs answered something other than a list')
    return logs.map(eventOf).reduce<Event | undefined>((found, event) => found === undefined || later(event, found) ? event : found, undefined)
  }

  async function search (datatoken: string, known: Entry | undefined, bound: Bound): Promise<Entry> {
    // From the known event's block: one search finds it again or a newer one. None there
    // (a reorg dropped it): search from the start.
    let event = known?.event === undefined ? undefined : await latest(datatoken, known.event.block, bound)
    if (event === undefined) event = await latest(datatoken, fromBlock, bound)
    const same = event !== undefined && known?.event !== undefined && !later(event, known.event) && !later(known.event, event)
    const entry = { event, ddo: same ? known!.ddo : event === undefined ? undefined : await ddoOf(event, maxBytes, async stream => await decoder(stream, bound.deadline)), checked: Date.now() }
    if (event !== undefined) {
      entries.delete(datatoken)
      entries.set(datatoken, entry)
      if (entries.size > cacheSize) entries.delete(entries.keys().next().value!)
    }
    return entry
  }

  return async function resolveFromChain (did, ctx) {
    const datatoken = DID.exec(did)?.[1]?.toLowerCase()
    if (datatoken === undefined) return undefined
    const known = entries.get(datatoken)
    if (known !== undefined && Date.now() - known.checked < ttl) return known.ddo
    const bound = { signal: ctx.signal, deadline: Date.now() + timeout }
    let shared = searches.get(datatoken)
    if (shared === undefined) {
      // Its own time limit, not this caller's signal: the callers who join it keep theirs.
      const own: Bound = { signal: new AbortController().signal, deadline: bound.deadline }
      shared = { pending: search(datatoken, known, own).finally(() => searches.delete(datatoken)), bound: own }
      searches.set(datatoken, shared)
    }
    try {
      return (await raced(shared.pending, bound)).ddo
    } catch (err) {
      // The search's own timer, set first for the same deadline, may cut it off before this
      // caller's fires (and a millisecond before Date.now() reaches it): that is a timeout too.
      throw new ChainUnavailableError(err instanceof DecoderBusyError
        ? 'Too many DDOs read from the chain wait to be decompressed: try again.'
        : expired(bound) || shared.bound.passed === true
          ? 'The chain did not answer in time to read the asset\'s DDO.'
          : 'The chain could not be read for the asset\'s DDO.', { cause: err })
    }
  }
}
