import type { LookupAddress } from 'node:dns'
import type { Resolve } from '../../lib/operator/engine/url-policy.js'

/** A DNS of names to addresses, as `dns.lookup` answers with `all: true`. */
export function fakeDns (names: Record<string, string[]>): Resolve & { calls: string[] } {
  const calls: string[] = []
  const resolve = (hostname: string, _options: unknown, callback: (err: NodeJS.ErrnoException | null, addresses: LookupAddress[]) => void) => {
    calls.push(hostname)
    const addresses = names[hostname]
    if (addresses === undefined) callback(Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND' }), [])
    else callback(null, addresses.map(address => ({ address, family: address.includes(':') ? 6 : 4 })))
  }
  return Object.assign(resolve, { calls })
}
