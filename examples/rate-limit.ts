// Cheap refusals first. A signed request costs a signature recovery before anyone knows
// who sent it, and its consumerAddress is whatever the sender typed: a limit keyed on it
// is no limit (a fresh address per request never meets it). So two limits:
//   - before anything else (onRequest: no body read, no signature checked), per client
//     address, IPv6 cut to its /64 (one host gets a whole /64): one client flooding
//     forged signatures is answered 429 at the cost of a map lookup, and others are served;
//   - after the signature checked out, per verified consumer: a consumer with a real key
//     and many addresses still gets its share only. Forged requests in a consumer's name
//     never count against it.
// Behind a proxy, give Fastify `trustProxy` (the proxy's address) so that request.ip is
// the client's, not the proxy's.
import { isIPv4 } from 'node:net'
import type { FastifyInstance, FastifyRequest } from 'fastify'
import rateLimit from '@fastify/rate-limit'
import type { ComputeVerifier } from 'fastify-ocean-compute'

export interface RateLimits {
  /** Requests a client address (an IPv6 /64) may make per minute, signed or not. Default: 300. */
  perClient?: number
  /** Signed requests a verified consumer may make per minute. Default: 120. */
  perConsumer?: number
}

const MINUTE = 60_000

/** The /64 of an IPv6 address, the address itself for IPv4 (and for IPv4-mapped IPv6). */
export function clientKey (ip: string): string {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(ip)?.[1]
  if (mapped !== undefined) return mapped
  if (isIPv4(ip)) return ip
  const [head = '', tail] = ip.replace(/%.*$/, '').split('::')
  const left = head === '' ? [] : head.split(':')
  const right = tail === undefined || tail === '' ? [] : tail.split(':')
  const groups = tail === undefined ? left : [...left, ...Array<string>(8 - left.length - right.length).fill('0'), ...right]
  return groups.slice(0, 4).map(group => parseInt(group, 16).toString(16)).join(':') + '::/64'
}

/** The per-client limit, on every route: register it before the plugin. */
export async function registerRateLimit (app: FastifyInstance, limits: RateLimits = {}): Promise<void> {
  await app.register(rateLimit, {
    max: limits.perClient ?? 300,
    timeWindow: MINUTE,
    hook: 'onRequest',
    keyGenerator: (request: FastifyRequest) => clientKey(request.ip)
  })
}

/**
 * `verifier` with at most `perConsumer` verified requests a minute per consumer; past it a
 * 429. Only addresses that signed are counted, so the table holds no more entries than
 * signatures the per-client limit let through.
 */
export function limitPerConsumer (verifier: ComputeVerifier, limits: RateLimits = {}): ComputeVerifier {
  const max = limits.perConsumer ?? 120
  let counts = new Map<string, number>()
  let windowEnds = 0
  return {
    async verify (input) {
      const address = await verifier.verify(input)
      if (address === undefined) return undefined
      const now = Date.now()
      if (now >= windowEnds) {
        counts = new Map()
        windowEnds = now + MINUTE
      }
      const key = address.toLowerCase()
      const count = (counts.get(key) ?? 0) + 1
      counts.set(key, count)
      if (count > max) {
        throw Object.assign(new Error(`Rate limit exceeded: ${max} signed requests a minute per consumer; retry in ${Math.ceil((windowEnds - now) / 1000)} s.`), { statusCode: 429 })
      }
      return address
    }
  }
}
