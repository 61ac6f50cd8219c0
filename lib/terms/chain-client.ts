import { createPublicClient, http } from 'viem'
import { InvalidOptionError } from '../errors.js'
import { positiveInteger } from '../option-checks.js'

/** What the chain readers ask of a client: EIP-1193's `request`, which a viem client has. */
export interface ChainClient {
  request(args: { method: string, params?: unknown }): Promise<unknown>
}

/** What names a client: a URL (with the largest answer read from it) or a client. */
export interface ClientOptions { rpcUrl?: string | undefined, client?: ChainClient | undefined, maxResponseBytes?: number | undefined }

/**
 * The client `options` name: theirs, or viem's over http for `rpcUrl`; exactly one of them.
 * viem's reads an answer up to `maxResponseBytes` and stops reading it there (an answer is
 * held whole to be parsed: a receipt of tens of MB for a hash a consumer names would be).
 */
export function clientFrom (name: string, options: ClientOptions, timeout: number): ChainClient {
  if ((options.client === undefined) === (options.rpcUrl === undefined)) {
    throw new InvalidOptionError(`${name} needs exactly one of rpcUrl (a JSON-RPC URL) and client (a viem client)`)
  }
  if (options.client !== undefined) {
    if (typeof options.client.request !== 'function') throw new InvalidOptionError(`${name}: client must have a request method (a viem client or an EIP-1193 provider)`)
    if (options.maxResponseBytes !== undefined) throw new InvalidOptionError(`${name}: maxResponseBytes bounds the answers of rpcUrl; a client's own transport bounds its answers`)
    return options.client
  }
  const maxResponseBodySize = positiveInteger(`${name}: maxResponseBytes`, options.maxResponseBytes, 8 * 1024 * 1024)
  const url = URL.canParse(String(options.rpcUrl)) ? new URL(String(options.rpcUrl)) : undefined
  if (url === undefined || (url.protocol !== 'http:' && url.protocol !== 'https:')) {
    throw new InvalidOptionError(`${name}: rpcUrl must be an http or https URL`)
  }
  // viem's own limit a little later than the caller's, which answers first and says why.
  const viem = createPublicClient({ transport: http(url.href, { timeout: timeout + 1000, retryCount: 0, maxResponseBodySize }) })
  // viem's errors name the whole URL, whose path or query often holds the node's API key;
  // the plugin logs them. They are logged with the origin only.
  const shown = `${url.origin}/…`
  return {
    async request (args) {
      try {
        return await viem.request(args as never)
      } catch (err) {
        throw withoutUrl(err, url.href, shown, 0)
      }
    }
  }
}

/** `err` and its causes (the first few) as plain errors, with `href` replaced by `shown` in their messages and stacks; codes kept. */
function withoutUrl (err: unknown, href: string, shown: string, depth: number): unknown {
  if (!(err instanceof Error) || depth > 8) return err
  const { name, message, stack, cause } = err
  const code = (err as { code?: unknown }).code
  const copy = new Error(message.replaceAll(href, shown), cause === undefined ? undefined : { cause: withoutUrl(cause, href, shown, depth + 1) })
  return Object.assign(copy, { name, stack: stack?.replaceAll(href, shown) }, code === undefined ? {} : { code })
}

/** What bounds a chain call: the caller's signal and a deadline (ms since the epoch). */
export interface Bound {
  signal: AbortSignal
  deadline: number
  /** Set when a call was cut off at the deadline: a Node timer can fire a millisecond before Date.now() reaches it. */
  passed?: boolean
}

/** True once `bound` has cut its calls off. */
export const expired = (bound: Bound) => bound.passed === true || bound.signal.aborted || Date.now() >= bound.deadline

/**
 * `promise`, or a rejection once the signal aborts or the deadline passes, whichever
 * comes first. A timer and a listener rather than AbortSignal.any and .timeout, which
 * cost a cached order check most of its time (`npm run bench -- --scenario start-paid`).
 */
export async function raced<T> (promise: Promise<T>, bound: Bound): Promise<T> {
  bound.signal.throwIfAborted()
  let timer: NodeJS.Timeout | undefined
  let stop: (() => void) | undefined
  const cut = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => {
      bound.passed = true
      reject(new Error('the deadline passed'))
    }, Math.max(0, bound.deadline - Date.now()))
    stop = () => { reject(bound.signal.reason) }
    bound.signal.addEventListener('abort', stop, { once: true })
  })
  try {
    return await Promise.race([promise, cut])
  } finally {
    clearTimeout(timer)
    bound.signal.removeEventListener('abort', stop!)
  }
}
