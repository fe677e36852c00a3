import { sha256 } from '@noble/hashes/sha2.js'
import { bytesToHex, utf8ToBytes } from '@noble/hashes/utils.js'
import fc from 'fast-check'
import { expect, it } from 'vitest'
import { secretHash } from '../../src/core/secret-hash.js'

it('is the hex SHA-256 of the secret', () => {
  // FIPS 180-2's first test vector.
  expect(secretHash('abc')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad')
})

it('hashes the UTF-8 bytes, as the hashes already stored were made', () => {
  fc.assert(
    fc.property(fc.string({ unit: 'grapheme' }), (secret) => {
      expect(secretHash(secret)).toBe(bytesToHex(sha256(utf8ToBytes(secret))))
    }),
  )
})
