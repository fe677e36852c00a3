import type * as Dns from 'node:dns'
import type { LookupAddress, LookupOptions } from 'node:dns'
import { connect, type LookupFunction } from 'node:net'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { checkedLookup, ForbiddenAddressError, hostOf, hostRefusal, isForbiddenAddress } from '../../../src/core/net/outbound.js'
import { countingListener, type CountingListener } from '../../helpers/ports.js'

/** Names made up for these tests and what they resolve to; any other name asks the system. */
const madeUp = vi.hoisted(() => new Map<string, LookupAddress[]>())
vi.mock('node:dns', async (importOriginal) => {
  const dns = await importOriginal<typeof Dns>()
  const lookup = (hostname: string, options: LookupOptions, callback: (error: NodeJS.ErrnoException | null, addresses: LookupAddress[]) => void) => {
    const addresses = madeUp.get(hostname)
    if (addresses) process.nextTick(callback, null, addresses)
    else dns.lookup(hostname, { ...options, all: true }, callback)
  }
  return { ...dns, lookup }
})
madeUp.set('public.example', [{ address: '93.184.216.34', family: 4 }, { address: '2606:2800:220:1::1', family: 6 }])
madeUp.set('rebinding.example', [{ address: '93.184.216.34', family: 4 }, { address: '169.254.169.254', family: 4 }])

describe('isForbiddenAddress', () => {
  it.each([
    ['0.0.0.0', 'unspecified'],
    ['0.1.2.3', '"this network"'],
    ['10.1.2.3', 'private'],
    ['100.64.0.1', 'carrier-grade NAT'],
    ['100.127.255.255', 'carrier-grade NAT'],
    ['127.0.0.1', 'loopback'],
    ['127.8.9.10', 'loopback'],
    ['169.254.169.254', 'link-local (cloud metadata)'],
    ['172.16.0.1', 'private'],
    ['172.31.255.255', 'private'],
    ['192.0.0.8', 'IETF protocol assignments'],
    ['192.0.2.1', 'documentation'],
    ['192.168.1.1', 'private'],
    ['198.18.0.1', 'benchmarking'],
    ['198.19.255.255', 'benchmarking'],
    ['198.51.100.7', 'documentation'],
    ['203.0.113.7', 'documentation'],
    ['224.0.0.1', 'multicast'],
    ['239.255.255.250', 'multicast'],
    ['240.0.0.1', 'reserved'],
    ['255.255.255.255', 'broadcast'],
    ['::', 'unspecified'],
    ['::1', 'loopback'],
    ['64:ff9b::7f00:1', 'NAT64'],
    ['100::1', 'discard-only'],
    ['2001:db8::1', 'documentation'],
    ['fc00::1', 'unique local'],
    ['fd12:3456::1', 'unique local'],
    ['fe80::1', 'link-local'],
    ['febf:ffff::1', 'link-local'],
    ['fec0::1', 'site-local'],
    ['ff02::1', 'multicast'],
    ['::ffff:127.0.0.1', 'IPv4-mapped loopback'],
    ['::ffff:10.0.0.1', 'IPv4-mapped private'],
    ['::ffff:a9fe:a9fe', 'IPv4-mapped link-local, in hex'],
    ['0:0:0:0:0:ffff:c0a8:101', 'IPv4-mapped private, written out'],
    ['::FFFF:100.64.0.1', 'IPv4-mapped carrier-grade NAT, in capitals'],
    ['not an address', 'no address at all'],
    ['localhost', 'a name, not an address'],
  ])('refuses %s (%s)', (address) => {
    expect(isForbiddenAddress(address)).toBe(true)
  })

  it.each([
    '93.184.216.34', '8.8.8.8', '1.1.1.1', '9.255.255.255', '11.0.0.1', '100.63.255.255', '100.128.0.1', '126.255.255.255', '128.0.0.1',
    '169.253.255.255', '172.15.255.255', '172.32.0.1', '192.0.1.1', '192.167.255.255', '198.17.255.255', '198.20.0.1', '223.255.255.255',
    '2606:4700:4700::1111', '2001:4860:4860::8888', '2a00:1450:4001:80b::200e', '::ffff:8.8.8.8', '::ffff:5db8:d822',
  ])('allows %s', (address) => {
    expect(isForbiddenAddress(address)).toBe(false)
  })
})

describe('hostOf', () => {
  it('takes the brackets off an IPv6 host and leaves any other as the URL spells it', () => {
    expect(hostOf(new URL('https://[::ffff:192.168.0.1]:8443/hook'))).toBe('::ffff:c0a8:1')
    expect(hostOf(new URL('https://Push.Example.COM/send/abc'))).toBe('push.example.com')
    expect(hostOf(new URL('https://10.0.0.8/'))).toBe('10.0.0.8')
  })
})

describe('hostRefusal', () => {
  it.each([
    ['127.0.0.1', 'forbidden-address'],
    ['::ffff:c0a8:1', 'forbidden-address'],
    ['169.254.169.254', 'forbidden-address'],
    ['localhost', 'loopback-name'],
    ['api.localhost', 'loopback-name'],
    ['8.8.8.8', null],
    ['2606:4700:4700::1111', null],
    ['push.example.com', null],
    ['localhost.example.com', null],
  ])('finds %s refused as %s', (host, refusal) => {
    expect(hostRefusal(host)).toBe(refusal)
  })
})

describe('checkedLookup', () => {
  /** What `lookup` answers: the addresses, or the error. */
  function answer(lookup: LookupFunction, hostname: string, options: LookupOptions): Promise<{ error: NodeJS.ErrnoException | null; address: string | LookupAddress[]; family?: number }> {
    return new Promise((resolve) => lookup(hostname, options, (error, address, family) => resolve({ error, address, family })))
  }

  it('refuses a name that resolves to loopback (localhost), unless private addresses are allowed', async () => {
    const refused = await answer(checkedLookup(false), 'localhost', {})
    expect(refused.error).toBeInstanceOf(ForbiddenAddressError)
    expect(refused.error).toMatchObject({ code: 'EPRIVATE', host: 'localhost', address: expect.stringMatching(/^(127\.0\.0\.1|::1)$/) })
    expect(refused.error?.message).toMatch(/^Refused: localhost resolves to (127\.0\.0\.1|::1), a private, loopback or link-local address\.$/)

    const allowed = await answer(checkedLookup(true), 'localhost', {})
    expect(allowed.error).toBeNull()
    expect(allowed.address).toMatch(/^(127\.0\.0\.1|::1)$/)
    expect(allowed.family).toBe(allowed.address === '::1' ? 6 : 4)
  })

  it('refuses a name when any one of its addresses is forbidden', async () => {
    expect((await answer(checkedLookup(false), 'rebinding.example', { all: true })).error).toMatchObject({ code: 'EPRIVATE', address: '169.254.169.254' })
  })

  it('answers the addresses it checked: the first one, or every one when asked for all', async () => {
    expect(await answer(checkedLookup(false), 'public.example', {})).toEqual({ error: null, address: '93.184.216.34', family: 4 })
    expect(await answer(checkedLookup(false), 'public.example', { all: true })).toEqual({ error: null, address: madeUp.get('public.example'), family: undefined })
  })

  it('passes a name DNS does not know on as the resolver failed it', async () => {
    const { error } = await answer(checkedLookup(false), 'nothing-here.invalid', {})
    expect(error).not.toBeInstanceOf(ForbiddenAddressError)
    expect(error).toMatchObject({ syscall: 'getaddrinfo', hostname: 'nothing-here.invalid' })
  })

  describe('as the lookup of a connection', () => {
    let listener: CountingListener
    beforeAll(async () => {
      listener = await countingListener()
    })
    afterAll(() => listener.close())

    /** Connects to the listener by the name `localhost`; answers the error, or null once connected. */
    function connectByName(lookup: LookupFunction): Promise<Error | null> {
      return new Promise((resolve) => {
        const socket = connect({ host: 'localhost', port: listener.port, lookup })
        socket.on('connect', () => {
          socket.destroy()
          resolve(null)
        })
        socket.on('error', resolve)
      })
    }

    it('keeps the socket from connecting to a refused address, and lets it connect once allowed', async () => {
      expect(await connectByName(checkedLookup(false))).toBeInstanceOf(ForbiddenAddressError)
      expect(listener.connections()).toBe(0)
      expect(await connectByName(checkedLookup(true))).toBeNull()
      await vi.waitFor(() => expect(listener.connections()).toBe(1))
    })
  })
})
