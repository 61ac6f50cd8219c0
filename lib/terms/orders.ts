import { setTimeout as sleep } from 'node:timers/promises'
import { parseUnits, toEventSelector, toFunctionSelector } from 'viem'
import { ChainUnavailableError, OrderUsesUnavailableError } from '../errors.js'
import { positiveInteger, timeout as timeoutOption, wholeNumber } from '../option-checks.js'
import type { OrderToCheck, OrderVerdict, OrderVerifier } from './order-types.js'
import { orderUsesFrom, type OrderUsesOption } from './uses/index.js'
import { parseReceipt, type Receipt } from './receipt.js'
import { clientFrom, expired, raced, type Bound, type ChainClient } from './chain-client.js'

export interface ChainOrdersOptions {
  /** The chain's JSON-RPC endpoint (http or https). Either this or `client`. */
  rpcUrl?: string
  /** A viem client (or any EIP-1193 provider) for the chain. Either this or `rpcUrl`. */
  client?: ChainClient
  /**
   * Blocks that must be mined on top of an order's block before it counts. Default: 0 on
   * development chains (chain id 1337, 8996 or 31337, which may mine only when asked),
   * 1 on any other. A start whose order is not final yet waits for the blocks within
   * its time, then is answered 503 (try again), never refused.
   */
  confirmations?: number
  /** The longest one check may take, in ms, whatever the plugin allows. Default: 10 000. */
  timeout?: number
  /** Jobs one order may start (each input's and the algorithm's order counts its own). Default: no limit. */
  jobsPerOrder?: number
  /**
   * Where uses are counted when `jobsPerOrder` is set: an order-use store, an ioredis
   * client or a pg Pool (shared by every provider process). Default: this process's memory.
   */
  uses?: OrderUsesOption
  /** How long a datatoken's minter (who is paid) is remembered, in ms. Default: 60 000. */
  minterTtl?: number
  /** Final receipts remembered, so an order used again costs no RPC call. Default: 1000. */
  cacheSize?: number
  /** While an order waits for confirmations, how often the chain's head is read, in ms. Default: 1000. */
  pollInterval?: number
  /** With `rpcUrl`: the largest answer read from the node (a receipt), in bytes; a larger one is a 503. Default: 8 MiB. */
  maxResponseBytes?: number
}

const ORDER_STARTED = toEventSelector('OrderStarted(address,address,uint256,uint256,uint256,address,uint256)')
const TRANSFER = toEventSelector('Transfer(address,address,uint256)')
const MINTER = toFunctionSelector('minter()')
const DEVELOPMENT_CHAINS = new Set([1337, 8996, 31337])
const TX_HASH = /^(0x)?[0-9a-f]{64}$/i
const ADDRESS = /^0x[0-9a-f]{40}$/i
const COST = /^\d{1,40}(\.\d{1,18})?$/
// ocean-lib's fees, as fractions of 10^18: the community's 0.1 %, a market's at most 0.1 %.
const FEE = 10n ** 15n
const UNIT = 10n ** 18n
// How long after an order's expiry its use counter must stay: a start checked just before the
// expiry may take its use after it (an RPC call, a store round trip, another process's clock).
const COUNTED_AFTER_EXPIRY = 24 * 3600_000

const word = (data: string, index: number) => BigInt('0x' + data.slice(2 + 64 * index, 66 + 64 * index))
const topicAddress = (topic: string) => '0x' + topic.slice(26).toLowerCase()

/** The V3 `OrderStarted` logs of `datatoken`: four topics and four words, so a V4 log (three topics) is none. */
function ordersOf (receipt: Receipt, datatoken: string) {
  return receipt.logs
    .filter(log => log.address === datatoken && log.topics[0] === ORDER_STARTED && log.topics.length === 4 && log.data.length === 2 + 64 * 4)
    .map(log => ({
      consumer: topicAddress(log.topics[1]!),
      payer: topicAddress(log.topics[2]!),
      amount: word(log.data, 0),
      serviceId: word(log.data, 1),
      timestamp: word(log.data, 2),
      marketFee: word(log.data, 3)
    }))
}

/** The sum the datatoken's own `Transfer` logs sent to `to`, or undefined when none did. */
function paidTo (receipt: Receipt, datatoken: string, to: string): bigint | undefined {
  const transfers = receipt.logs.filter(log => log.address === datatoken && log.topics[0] === TRANSFER &&
    log.topics.length === 3 && log.data.length === 66 && topicAddress(log.topics[2]!) === to)
  return transfers.length === 0 ? undefined : transfers.reduce((sum, log) => sum + word(log.data, 0), 0n)
}

/** One read of the chain that concurrent checks share: its result, its own bound, whether it waited for blocks. */
interface Read<T> { result: Promise<T>, bound: Bound, waiting: { yes: boolean } }

/**
 * `read` for `key`, shared with the checks that ask for the same key meanwhile: ten starts
 * with one new order cost one receipt, not ten. The read has the first caller's deadline
 * but not its signal, so a caller who leaves does not cut the others off.
 */
async function shared<T> (reads: Map<string, Read<T>>, key: string, bound: Bound, waiting: { yes: boolean },
  read: (bound: Bound, waiting: { yes: boolean }) => Promise<T>): Promise<T> {
  for (;;) {
    let current = reads.get(key)
    if (current === undefined) {
      const own = { bound: { signal: new AbortController().signal, deadline: bound.deadline }, waiting: { yes: false } }
      current = { ...own, result: read(own.bound, own.waiting).finally(() => { reads.delete(key) }) }
      reads.set(key, current)
    }
    try {
      return await raced(current.result, bound)
    } catch (err) {
      // Cut off at its deadline: this caller's has come too when it is no later (a timer
      // may fire a millisecond early); a later caller reads again.
      if (current.bound.passed === true && current.bound.deadline >= bound.deadline) bound.passed = true
      else if (current.bound.passed === true && !expired(bound)) continue
      throw err
    } finally {
      if (current.waiting.yes) waiting.yes = true
    }
  }
}

// A JSON-RPC error that means "this call reverted" (no minter() here), not "the node failed".
function reverted (err: unknown): boolean {
  const { code, message } = err as { code?: unknown, message?: unknown }
  return code === 3 || (typeof message === 'string' && /revert/i.test(message))
}

/**
 * Checks orders on chain as ocean-lib v0.5.22's `verify_order_tx` and provider v0.4.24
 * do (spec section 6.4), with viem against a JSON-RPC node: the receipt exists and
 * succeeded, with exactly one V3 `OrderStarted` of the DID's datatoken, for the service
 * asked, from the consumer or for it (payer), paying the datatoken's minter the cost
 * less the fees, younger than the service's timeout. Then, with `jobsPerOrder`, it
 * takes one of the order's uses. It rejects with a 503 error when the chain cannot be
 * asked within `timeout` or the caller's signal, and never answers valid on a fault.
 */
export function chainOrders (options: ChainOrdersOptions): OrderVerifier {
  const timeout = timeoutOption('chainOrders: timeout', options.timeout, 10_000)
  const client = clientFrom('chainOrders', options, timeout)
  const confirmations = options.confirmations === undefined ? undefined : wholeNumber('chainOrders: confirmations', options.confirmations, 0)
  const limit = options.jobsPerOrder === undefined ? undefined : positiveInteger('chainOrders: jobsPerOrder', options.jobsPerOrder, 1)
  const uses = limit === undefined ? undefined : orderUsesFrom(options.uses, 'chainOrders: uses')
  const minterTtl = wholeNumber('chainOrders: minterTtl', options.minterTtl, 60_000)
  const cacheSize = wholeNumber('chainOrders: cacheSize', options.cacheSize, 1000)
  const pollInterval = timeoutOption('chainOrders: pollInterval', options.pollInterval, 1000)

  const receipts = new Map<string, Receipt>()
  const minters = new Map<string, { minter: string | undefined, until: number }>()
  const receiptReads = new Map<string, Read<Receipt | undefined>>()
  const minterReads = new Map<string, Read<string | undefined>>()
  let needed: Promise<number> | undefined

  const call = async (method: string, params: unknown[], bound: Bound) => await raced(client.request({ method, params }), bound)

  const confirmationsNeeded = async (bound: Bound) => confirmations ?? await (needed ??= (async () => {
    const id = await call('eth_chainId', [], bound)
    if (typeof id !== 'string' || !/^0x[0-9a-f]+$/i.test(id)) throw new TypeError('eth_chainId answered something other than a hex quantity')
    return DEVELOPMENT_CHAINS.has(Number(id)) ? 0 : 1
  })().catch(err => { needed = undefined; throw err }))

  async function head (bound: Bound): Promise<bigint> {
    const number = await call('eth_blockNumber', [], bound)
    if (typeof number !== 'string' || !/^0x[0-9a-f]+$/i.test(number)) throw new TypeError('eth_blockNumber answered something other than a hex quantity')
    return BigInt(number)
  }

  function remember<T> (map: Map<string, T>, key: string, value: T, size: number) {
    map.set(key, value)
    if (map.size > size) map.delete(map.keys().next().value!)
  }

  /**
   * The receipt once it has its confirmations (read again after waiting: a reorg may have
   * moved it), or undefined when there is none. It keeps only the datatoken's logs, all the
   * checks read, and is remembered so: any signer may name a transaction with thousands of logs.
   * Concurrent checks of one order share one read.
   */
  async function finalReceipt (hash: string, datatoken: string, bound: Bound, waiting: { yes: boolean }): Promise<Receipt | undefined> {
    const key = `${hash}:${datatoken}`
    return receipts.get(key) ?? await shared(receiptReads, key, bound, waiting, async (bound, waiting) => await readReceipt(hash, datatoken, key, bound, waiting))
  }

  async function readReceipt (hash: string, datatoken: string, key: string, bound: Bound, waiting: { yes: boolean }): Promise<Receipt | undefined> {
    for (;;) {
      const receipt = parseReceipt(await call('eth_getTransactionReceipt', [hash], bound), hash)
      if (receipt === undefined) {
        // Unknown; or seen mined, then dropped by a reorg while it waited: it may be mined again.
        if (!waiting.yes) return undefined
        await raced(sleep(pollInterval, undefined, { ref: false }), bound)
        continue
      }
      const blocks = await confirmationsNeeded(bound)
      if (blocks === 0 || await head(bound) - receipt.block >= blocks) {
        const own = { ...receipt, logs: receipt.logs.filter(log => log.address === datatoken) }
        remember(receipts, key, own, cacheSize)
        return own
      }
      waiting.yes = true
      do await raced(sleep(pollInterval, undefined, { ref: false }), bound)
      while (await head(bound) - receipt.block < blocks)
    }
  }

  /** The datatoken's minter, lower case; undefined when it has no `minter()` (not a datatoken). */
  async function minterOf (datatoken: string, bound: Bound): Promise<string | undefined> {
    const known = minters.get(datatoken)
    if (known !== undefined && known.until > Date.now()) return known.minter
    return await shared(minterReads, datatoken, bound, { yes: false }, async bound => await readMinter(datatoken, bound))
  }

  async function readMinter (datatoken: string, bound: Bound): Promise<string | undefined> {
    let minter: string | undefined
    try {
      const answer = await call('eth_call', [{ to: datatoken, data: MINTER }, 'latest'], bound)
      if (typeof answer !== 'string' || !/^0x[0-9a-f]*$/i.test(answer)) throw new TypeError('eth_call answered something other than hex data')
      minter = answer.length < 66 ? undefined : topicAddress(answer.slice(0, 66))
    } catch (err) {
      if (expired(bound) || !reverted(err)) throw err
    }
    remember(minters, datatoken, { minter, until: Date.now() + minterTtl }, cacheSize)
    return minter
  }

  async function check (order: OrderToCheck, bound: Bound, waiting: { yes: boolean }): Promise<OrderVerdict> {
    const invalid = { valid: false } as const
    const datatoken = String(order.datatoken).toLowerCase()
    if (!TX_HASH.test(order.txId) || !ADDRESS.test(datatoken) || String(order.did).toLowerCase() !== 'did:op:' + datatoken.slice(2) ||
      !Number.isSafeInteger(order.serviceIndex) || !COST.test(order.cost) || !Number.isSafeInteger(order.timeout) || order.timeout < 0) return invalid
    // With 0x, 0X or neither (the pattern allows each): one spelling for the node and the use counter.
    const hash = '0x' + order.txId.slice(-64).toLowerCase()

    const receipt = await finalReceipt(hash, datatoken, bound, waiting)
    if (receipt === undefined || !receipt.succeeded) return invalid
    const orders = ordersOf(receipt, datatoken)
    if (orders.length !== 1) return invalid
    const started = orders[0]!
    const consumer = String(order.consumer).toLowerCase()
    if (started.serviceId !== BigInt(order.serviceIndex) || (consumer !== started.consumer && consumer !== started.payer)) return invalid
    const expiresAt = order.timeout === 0 ? undefined : (Number(started.timestamp) + order.timeout) * 1000
    if (expiresAt !== undefined && Date.now() > expiresAt) return invalid

    const cost = parseUnits(order.cost, 18)
    if (started.marketFee > cost * FEE / UNIT + 5n) return invalid
    const minter = await minterOf(datatoken, bound)
    const paid = minter === undefined ? undefined : paidTo(receipt, datatoken, minter)
    if (paid === undefined || paid < cost - cost * FEE / UNIT - started.marketFee - 5n) return invalid

    if (uses === undefined) return { valid: true }
    const key = `${hash}:${datatoken}`
    let taken: boolean
    const taking = Promise.resolve().then(() => uses.take(key, limit!, expiresAt === undefined ? undefined : expiresAt + COUNTED_AFTER_EXPIRY))
    try {
      taken = await raced(taking, bound)
    } catch (err) {
      // Cut off, the start fails; a use the store takes after that is given back, as no job has it.
      taking.then(async late => { if (late) await uses.release(key) }).catch(() => {})
      throw new OrderUsesUnavailableError({ cause: err })
    }
    if (!taken) return invalid
    let released = false
    return {
      valid: true,
      async release () {
        if (released) return
        released = true
        await uses.release(key)
      }
    }
  }

  return {
    // Only when uses are counted: a store that cannot take them would refuse every paid start.
    ready: async () => { await uses?.ready?.() },
    async verify (order, ctx) {
      const bound = { signal: ctx.signal, deadline: Date.now() + timeout }
      const waiting = { yes: false }
      try {
        return await check(order, bound, waiting)
      } catch (err) {
        if (err instanceof OrderUsesUnavailableError) throw err
        if (waiting.yes && expired(bound)) {
          throw new ChainUnavailableError(`The order ${order.txId} is not final yet: try again after a few more blocks.`, { cause: err })
        }
        throw new ChainUnavailableError(expired(bound)
          ? 'The chain did not answer in time to check the order.'
          : 'The chain could not be read to check the order.', { cause: err })
      }
    }
  }
}
