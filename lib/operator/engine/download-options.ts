import { positiveInteger, timeLimit, wholeNumber } from '../../option-checks.js'
import type { DownloadRules } from './fetch.js'
import { UrlPolicy, type Resolve } from './url-policy.js'

/** How an engine fetches what is not on the provider: an algorithm's URL, datasets' http(s) URLs. */
export interface DownloadOptions {
  /**
   * Addresses or CIDR ranges a URL from outside may reach though they are the
   * provider's own, private, link-local or otherwise inside ('10.1.2.0/24').
   * Default: none: public addresses only.
   */
  allowAddresses?: string[]
  /**
   * The workflow's input URLs (from your `buildWorkflow`, e.g. a publisher's DDO)
   * are trusted: any address, `file:` URLs and paths too. Default: false: they are
   * held to the policy of a consumer's algorithm URL.
   */
  trustInputUrls?: boolean
  /** Bytes of an algorithm fetched from its URL. Default: 100 MiB. */
  maxAlgorithmBytes?: number
  /** Bytes of each dataset file fetched over http(s). Default: 1 GiB. */
  maxInputBytes?: number
  /** Redirects followed per download, each one checked. Default: 5. */
  maxRedirects?: number
  /** Seconds one download may take. Default: 300 (the job's own time limit applies as well); at most 2147483 (a Node timer's longest wait). */
  timeoutSeconds?: number
  /** The DNS lookup whose answers are checked (`dns.lookup`'s shape, called with `all: true`). Default: `dns.lookup`. */
  lookup?: Resolve
}

export interface ResolvedDownloads {
  /** A consumer's algorithm URL. */
  algorithm: DownloadRules
  /** A dataset file; `trusted` when its source is the host's own (`datasets`, or input URLs with `trustInputUrls`). */
  input: (trusted: boolean) => DownloadRules
  trustInputUrls: boolean
}

const MIB = 1024 * 1024

/** Applies defaults and checks `downloads` once; `fail` makes the option error of the engine. */
export function resolveDownloads (name: string, options: DownloadOptions | undefined, fail: (problem: string) => Error): ResolvedDownloads {
  const given = options ?? {}
  if (typeof given !== 'object' || given === null) throw fail('downloads must be an object')
  if (given.allowAddresses !== undefined && !Array.isArray(given.allowAddresses)) throw fail('downloads.allowAddresses must be a list of addresses or CIDR ranges')
  if (given.trustInputUrls !== undefined && typeof given.trustInputUrls !== 'boolean') throw fail('downloads.trustInputUrls must be true or false')
  if (given.lookup !== undefined && typeof given.lookup !== 'function') throw fail('downloads.lookup must be a function')
  let policy: UrlPolicy
  try {
    policy = new UrlPolicy({ allowAddresses: given.allowAddresses, lookup: given.lookup })
  } catch (err) {
    throw fail(`downloads.allowAddresses: ${(err as Error).message}`)
  }
  const number = (option: 'maxAlgorithmBytes' | 'maxInputBytes', fallback: number) =>
    positiveInteger(`${name}: downloads.${option}`, given[option] ?? undefined, fallback)
  const common = {
    // A timer: beyond a Node timer's longest wait it would fire at once.
    timeoutMs: timeLimit(`${name}: downloads.timeoutSeconds`, given.timeoutSeconds ?? undefined, 300) * 1000,
    maxRedirects: wholeNumber(`${name}: downloads.maxRedirects`, given.maxRedirects ?? undefined, 5)
  }
  const maxInputBytes = number('maxInputBytes', 1024 * MIB)
  const trustInputUrls = given.trustInputUrls ?? false
  return {
    algorithm: { ...common, policy, maxBytes: number('maxAlgorithmBytes', 100 * MIB) },
    input: trusted => trusted ? { ...common, maxBytes: maxInputBytes } : { ...common, policy, maxBytes: maxInputBytes },
    trustInputUrls
  }
}
