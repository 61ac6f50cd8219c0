import type { DDO, DdoResolver } from '../ddo.js'
import { positiveInteger } from '../../option-checks.js'

export interface DdoCacheOptions {
  /** Most DDOs kept; the least recently used goes first. Default: 1000. */
  max?: number
  /** Milliseconds a DDO is kept after it was fetched: how stale a DDO may be. Default: 60000. */
  ttl?: number
}

interface Entry { ddo: DDO, until: number }

/**
 * A resolver that remembers what `resolver` found, for `ttl` ms, `max` DDOs at most (least
 * recently used out first). "Not found" and faults are not remembered: an asset published
 * a moment ago is found at once, and a fault is asked again. Two lookups of the same DID
 * at once both ask `resolver`.
 */
export function cachedResolver (resolver: DdoResolver, options: DdoCacheOptions = {}): DdoResolver {
  return cacheOf(resolver, options, 'cachedResolver: ')
}

/** `cachedResolver`, its options checked (NaN would turn the bound off) and named after `prefix`: the terms' `terms.cache.`. */
export function cacheOf (resolver: DdoResolver, options: DdoCacheOptions | undefined, prefix: string): DdoResolver {
  const max = positiveInteger(prefix + 'max', options?.max, 1000)
  const ttl = positiveInteger(prefix + 'ttl', options?.ttl, 60_000)
  const entries = new Map<string, Entry>()
  return async (did, ctx) => {
    const key = did.toLowerCase()
    const entry = entries.get(key)
    const now = performance.now()
    if (entry !== undefined) {
      entries.delete(key)
      if (entry.until > now) {
        entries.set(key, entry)
        return entry.ddo
      }
    }
    const ddo = await resolver(did, ctx)
    if (ddo !== undefined) {
      entries.set(key, { ddo, until: performance.now() + ttl })
      if (entries.size > max) entries.delete(entries.keys().next().value!)
    }
    return ddo
  }
}
