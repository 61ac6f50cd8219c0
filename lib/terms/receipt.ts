/** A log of a receipt, in lower case. */
export interface ReceiptLog { address: string, topics: string[], data: string }

/** What the order checks read of a transaction receipt. */
export interface Receipt { succeeded: boolean, block: bigint, logs: ReceiptLog[] }

const QUANTITY = /^0x[0-9a-f]{1,64}$/i
const ADDRESS = /^0x[0-9a-f]{40}$/i
const TOPIC = /^0x[0-9a-f]{64}$/i
const DATA = /^0x([0-9a-f]{2})*$/i

function malformed (what: string): never {
  throw new TypeError(`the RPC node answered a malformed receipt: ${what}`)
}

function logOf (value: unknown): ReceiptLog {
  const { address, topics, data } = (value ?? {}) as Record<string, unknown>
  if (typeof address !== 'string' || !ADDRESS.test(address)) malformed('a log without an address')
  if (!Array.isArray(topics) || topics.length > 4 || !topics.every(topic => typeof topic === 'string' && TOPIC.test(topic))) malformed('a log with bad topics')
  if (typeof data !== 'string' || !DATA.test(data)) malformed('a log with bad data')
  return { address: address.toLowerCase(), topics: (topics as string[]).map(topic => topic.toLowerCase()), data: data.toLowerCase() }
}

/**
 * `eth_getTransactionReceipt`'s answer for `hash` (lower case): undefined for null
 * (no such transaction, or not mined yet). Anything else that is not a receipt of that
 * transaction, with a status, a block and well-formed logs, is the node's fault and throws.
 */
export function parseReceipt (value: unknown, hash: string): Receipt | undefined {
  if (value === null) return undefined
  if (typeof value !== 'object' || value === null) malformed('not an object')
  const { transactionHash, status, blockNumber, logs } = value as Record<string, unknown>
  if (typeof transactionHash !== 'string' || transactionHash.toLowerCase() !== hash) malformed('another transaction')
  if (status !== '0x1' && status !== '0x0') malformed('no status')
  if (typeof blockNumber !== 'string' || !QUANTITY.test(blockNumber)) malformed('no block number')
  if (!Array.isArray(logs)) malformed('no logs')
  return { succeeded: status === '0x1', block: BigInt(blockNumber), logs: logs.map(logOf) }
}
