import { lookup as resolve } from 'node:dns'
import { BlockList, isIP, type LookupFunction } from 'node:net'

/**
 * Where a request the server makes on a user's word (a webhook, a push) must never connect
 * (SSRF): this host, private networks, link-local (cloud metadata at 169.254.169.254),
 * carrier-grade NAT, multicast, unspecified and reserved ranges, in IPv4 and IPv6. BlockList
 * matches IPv4 written as IPv6 (`::ffff:127.0.0.1`, `::ffff:7f00:1`) against the IPv4 ranges.
 */
const FORBIDDEN = new BlockList()
for (const [network, prefix] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.0.2.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['198.51.100.0', 24],
  ['203.0.113.0', 24],
  ['224.0.0.0', 4],
  ['240.0.0.0', 4],
] as const) {
  FORBIDDEN.addSubnet(network, prefix, 'ipv4')
}
for (const [network, prefix] of [
  ['::', 128],
  ['::1', 128],
  ['64:ff9b::', 96],
  ['100::', 64],
  ['2001:db8::', 32],
  ['fc00::', 7],
  ['fe80::', 10],
  ['fec0::', 10],
  ['ff00::', 8],
] as const) {
  FORBIDDEN.addSubnet(network, prefix, 'ipv6')
}

/** Whether `address` is in a forbidden range; what is not an IP address at all counts as forbidden. */
export function isForbiddenAddress(address: string): boolean {
  const family = isIP(address)
  if (family === 0) return true
  return FORBIDDEN.check(address, family === 4 ? 'ipv4' : 'ipv6')
}

/** A URL's host as DNS and the address checks take it: an IPv6 address without its brackets. */
export function hostOf(url: URL): string {
  return url.hostname.replace(/^\[|\]$/g, '')
}

/**
 * Why `host` is refused before any lookup: a literal forbidden address, or a name that means
 * this machine whatever DNS says (`localhost`, `*.localhost`: RFC 6761). Null: only the
 * addresses it resolves to can tell.
 */
export function hostRefusal(host: string): 'forbidden-address' | 'loopback-name' | null {
  if (isIP(host) !== 0) return isForbiddenAddress(host) ? 'forbidden-address' : null
  return host === 'localhost' || host.endsWith('.localhost') ? 'loopback-name' : null
}

/** A host that is or resolves to a forbidden address; `code` sets it apart from a DNS failure. */
export class ForbiddenAddressError extends Error {
  readonly code = 'EPRIVATE'

  constructor(
    readonly host: string,
    readonly address: string,
  ) {
    super(`Refused: ${host} resolves to ${address}, a private, loopback or link-local address.`)
  }
}

/**
 * A `lookup` for net, tls and http(s): resolves the name, refuses it when any of its addresses is
 * forbidden (unless `allowPrivate`), and answers only the addresses it checked, so the socket
 * connects to one of them and a later DNS answer cannot swap it for another (rebinding). Node
 * connects to a literal address without calling `lookup`: check those with `hostRefusal`.
 */
export function checkedLookup(allowPrivate: boolean): LookupFunction {
  return (hostname, options, callback) => {
    resolve(hostname, { ...options, all: true }, (error, addresses) => {
      if (error) return callback(error, [])
      const refused = allowPrivate ? undefined : addresses.find(({ address }) => isForbiddenAddress(address))
      if (refused) return callback(new ForbiddenAddressError(hostname, refused.address), [])
      if (options.all) return callback(null, addresses)
      return callback(null, addresses[0]!.address, addresses[0]!.family)
    })
  }
}
