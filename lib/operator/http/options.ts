import type { Dispatcher } from 'undici'
import { InvalidOptionError } from '../../errors.js'
import { ADDRESS_PATTERN } from '../../../schemas/params.js'
import { positiveInteger, timeout } from '../../option-checks.js'

/**
 * Signs as the provider: a viem `LocalAccount` (`privateKeyToAccount`,
 * `mnemonicToAccount`, ...) or anything with the same two members, such as a
 * KMS-backed signer.
 */
export interface ProviderAccount {
  /** The provider's address, sent as `providerAddress`. */
  address: string
  /** EIP-191 personal_sign of `message`. */
  signMessage (args: { message: string }): Promise<string>
}

export interface HttpOperatorOptions {
  /** Base URL of the operator-service. User and password in it are sent as Basic authorization. */
  url: string | URL
  /** Signs `providerSignature`; its address is `providerAddress`. */
  account: ProviderAccount
  /** Milliseconds to open a connection (DNS, TCP and TLS). Default: 3000. Not with `dispatcher`. */
  connectTimeout?: number
  /** Milliseconds from sending a request to the end of the answer's headers. Default: 5000. */
  headersTimeout?: number
  /** Milliseconds the answer's body may pause between two chunks. Default: 5000. */
  bodyTimeout?: number
  /** Keep-alive connections to the operator-service, at most. Default: 32. Not with `dispatcher`. */
  connections?: number
  /** An undici dispatcher (Agent, ProxyAgent, Pool) the host owns: used instead of a pool of our own, never closed. */
  dispatcher?: Dispatcher
  /** Largest answer in bytes. Default: 8388608 (8 MiB). */
  maxResponseSize?: number
}

/** The options after defaults and checks, with the URL split into what undici needs. */
export interface ResolvedHttpOptions {
  /** `protocol://host:port`, without credentials. */
  origin: string
  /** Path of the compute endpoint. */
  path: string
  /** Path of the getResult endpoint. */
  resultPath: string
  /** `Basic ...` when the URL carried credentials. */
  authorization: string | undefined
  account: ProviderAccount
  connectTimeout: number
  headersTimeout: number
  bodyTimeout: number
  connections: number
  dispatcher: Dispatcher | undefined
  maxResponseSize: number
}

const ADDRESS = new RegExp(ADDRESS_PATTERN)

// Error messages never repeat the URL: it may carry a password.
function baseOf (url: unknown): URL {
  let base: URL
  try {
    base = new URL(url as string | URL)
  } catch {
    throw new InvalidOptionError('httpOperator: url must be the absolute http(s) URL of the operator-service')
  }
  if (base.protocol !== 'http:' && base.protocol !== 'https:') {
    throw new InvalidOptionError('httpOperator: url must use http: or https:')
  }
  // Without the slash, new URL would replace the last segment of a base path instead of extending it.
  if (!base.pathname.endsWith('/')) base.pathname += '/'
  return base
}

function basicAuthorization (url: URL): string | undefined {
  if (url.username === '' && url.password === '') return undefined
  let credentials: string
  try {
    credentials = `${decodeURIComponent(url.username)}:${decodeURIComponent(url.password)}`
  } catch {
    throw new InvalidOptionError('httpOperator: the credentials in url are not valid percent-encoding')
  }
  return `Basic ${Buffer.from(credentials).toString('base64')}`
}

function checkAccount (account: unknown): ProviderAccount {
  const a = account as Partial<ProviderAccount> | null | undefined
  if (typeof a?.signMessage !== 'function' || typeof a.address !== 'string' || !ADDRESS.test(a.address)) {
    throw new InvalidOptionError('httpOperator: account must be a viem account (an address and signMessage), ' +
      'e.g. privateKeyToAccount(process.env.PROVIDER_PRIVATE_KEY)')
  }
  return a as ProviderAccount
}

function checkDispatcher (options: HttpOperatorOptions): Dispatcher | undefined {
  const { dispatcher } = options
  if (dispatcher === undefined) return undefined
  if (typeof (dispatcher as Partial<Dispatcher> | null)?.dispatch !== 'function') {
    throw new InvalidOptionError('httpOperator: dispatcher must be an undici Dispatcher (Agent, Pool, ProxyAgent)')
  }
  // These two configure the pool httpOperator creates; silently ignoring them would surprise.
  for (const name of ['connectTimeout', 'connections'] as const) {
    if (options[name] !== undefined) {
      throw new InvalidOptionError(`httpOperator: ${name} configures the pool httpOperator creates; with a dispatcher, configure the dispatcher instead`)
    }
  }
  return dispatcher
}

/** Applies defaults and checks every option once, when the operator is created. */
export function resolveHttpOptions (options: HttpOperatorOptions): ResolvedHttpOptions {
  if (typeof options !== 'object' || options === null) {
    throw new InvalidOptionError('httpOperator needs options: { url, account }')
  }
  const base = baseOf(options.url)
  return {
    origin: base.origin,
    path: new URL('api/v1/operator/compute', base).pathname,
    resultPath: new URL('api/v1/operator/getResult', base).pathname,
    authorization: basicAuthorization(base),
    account: checkAccount(options.account),
    connectTimeout: timeout('httpOperator: connectTimeout', options.connectTimeout, 3000),
    headersTimeout: timeout('httpOperator: headersTimeout', options.headersTimeout, 5000),
    bodyTimeout: timeout('httpOperator: bodyTimeout', options.bodyTimeout, 5000),
    connections: positiveInteger('httpOperator: connections', options.connections, 32),
    dispatcher: checkDispatcher(options),
    maxResponseSize: positiveInteger('httpOperator: maxResponseSize', options.maxResponseSize, 8 * 1024 * 1024)
  }
}
