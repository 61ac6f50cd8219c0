import { lookup as dnsLookup, type LookupAddress, type LookupAllOptions } from 'node:dns'
import { BlockList, isIP } from 'node:net'

/** A DNS lookup in the shape of `dns.lookup` with `{ all: true }`. */
export type Resolve = (hostname: string, options: LookupAllOptions, callback: (err: NodeJS.ErrnoException | null, addresses: LookupAddress[]) => void) => void

/** The lookup `net.connect` calls, in both of its shapes. */
type ConnectLookup = (hostname: string, options: { all?: boolean }, callback: (err: Error | null, address: string | LookupAddress[], family?: number) => void) => void

// Where a URL from outside must never lead from the provider's own network position:
// the provider itself, its networks, cloud metadata services, and the addresses that
// are not one host. BlockList matches IPv4-mapped IPv6 (::ffff:a.b.c.d) with the IPv4 ranges.
const INSIDE: ReadonlyArray<readonly [string, number, 'ipv4' | 'ipv6']> = [
  ['0.0.0.0', 8, 'ipv4'], // "this network"; 0.0.0.0 reaches the provider itself
  ['10.0.0.0', 8, 'ipv4'],
  ['100.64.0.0', 10, 'ipv4'], // carrier-grade NAT, also some clouds' metadata (100.100.100.200)
  ['127.0.0.0', 8, 'ipv4'],
  ['169.254.0.0', 16, 'ipv4'], // link-local: 169.254.169.254 is the metadata service of most clouds
  ['172.16.0.0', 12, 'ipv4'],
  ['192.0.0.0', 24, 'ipv4'], // IETF protocol assignments (192.0.0.192 is Oracle's metadata)
  ['192.0.2.0', 24, 'ipv4'],
  ['192.88.99.0', 24, 'ipv4'],
  ['192.168.0.0', 16, 'ipv4'],
  ['198.18.0.0', 15, 'ipv4'],
  ['198.51.100.0', 24, 'ipv4'],
  ['203.0.113.0', 24, 'ipv4'],
  ['224.0.0.0', 4, 'ipv4'], // multicast
  ['240.0.0.0', 4, 'ipv4'], // reserved, and the broadcast address
  ['::', 128, 'ipv6'],
  ['::1', 128, 'ipv6'],
  ['64:ff9b::', 96, 'ipv6'], // NAT64: an IPv4 address, maybe a private one, in IPv6 clothes
  ['64:ff9b:1::', 48, 'ipv6'],
  ['100::', 64, 'ipv6'],
  ['2001::', 23, 'ipv6'], // IETF protocol assignments, Teredo among them
  ['2001:db8::', 32, 'ipv6'],
  ['2002::', 16, 'ipv6'], // 6to4: embeds an IPv4 address
  ['fc00::', 7, 'ipv6'], // unique local (AWS's IPv6 metadata service is fd00:ec2::254)
  ['fe80::', 10, 'ipv6'],
  ['fec0::', 10, 'ipv6'],
  ['ff00::', 8, 'ipv6']
]

/** A refusal of the policy: an address, a scheme or a redirect it does not allow. */
export class RefusedUrlError extends Error {}

function familyOf (address: string): 'ipv4' | 'ipv6' {
  return isIP(address) === 6 ? 'ipv6' : 'ipv4'
}

/** Adds `entry`, an address or a CIDR range, to `list`; answers false for anything else. */
function addRange (list: BlockList, entry: string): boolean {
  const [address = '', bits, ...rest] = entry.split('/')
  const version = isIP(address)
  if (version === 0 || rest.length > 0) return false
  const family = familyOf(address)
  if (bits === undefined) {
    list.addAddress(address, family)
    return true
  }
  const prefix = /^\d{1,3}$/.test(bits) ? Number(bits) : NaN
  if (!(prefix <= (version === 4 ? 32 : 128))) return false
  list.addSubnet(address, prefix, family)
  return true
}

export interface UrlPolicyOptions {
  /** Addresses or CIDR ranges allowed though they are inside ('10.1.2.0/24', '127.0.0.1'). Default: none. */
  allowAddresses?: readonly string[]
  /** The DNS lookup whose answers are checked. Default: `dns.lookup`. */
  lookup?: Resolve
}

/**
 * Which addresses a URL from outside the provider may reach: public ones, and the
 * ranges the host allows. The check is made where the connection is made (the
 * lookup `net.connect` calls), on the addresses it will connect to: a name that
 * resolves differently the next time (DNS rebinding) gains nothing.
 */
export class UrlPolicy {
  private readonly inside = new BlockList()
  private readonly allowed = new BlockList()
  private readonly resolve: Resolve

  /** Throws a TypeError naming the first entry of `allowAddresses` that is no address or range. */
  constructor ({ allowAddresses = [], lookup = dnsLookup as Resolve }: UrlPolicyOptions = {}) {
    for (const [address, prefix, family] of INSIDE) this.inside.addSubnet(address, prefix, family)
    const bad = allowAddresses.find(entry => typeof entry !== 'string' || !addRange(this.allowed, entry))
    if (bad !== undefined) throw new TypeError(`${String(bad)} is not an IP address or a CIDR range`)
    this.resolve = lookup
  }

  /** May a connection go to this IP address? */
  allows (address: string): boolean {
    const family = familyOf(address)
    return this.allowed.check(address, family) || !this.inside.check(address, family)
  }

  /**
   * Throws a RefusedUrlError for a URL that is not http(s), or whose host is an IP
   * address the policy refuses (`net.connect` looks no IP address up).
   */
  check (url: URL): void {
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new RefusedUrlError('not an http(s) URL')
    const host = url.hostname.replace(/^\[(.*)\]$/, '$1')
    if (isIP(host) !== 0 && !this.allows(host)) throw new RefusedUrlError('an address inside')
  }

  /** The lookup for `net.connect`: only the allowed addresses of a name, or an error when there is none. */
  readonly lookup: ConnectLookup = (hostname, options, callback) => {
    this.resolve(hostname, { ...options, all: true }, (err, addresses) => {
      if (err !== null) return callback(err, [])
      const allowed = addresses.filter(({ address }) => this.allows(address))
      const [first] = allowed
      if (first === undefined) return callback(new RefusedUrlError('a name that resolves inside'), [])
      if (options.all === true) callback(null, allowed)
      else callback(null, first.address, first.family)
    })
  }
}
