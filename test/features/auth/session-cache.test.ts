import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Kysely } from 'kysely'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { BusEvent, BusListener, EventBus } from '../../../src/core/bus/event-bus.js'
import { openDatabase } from '../../../src/core/database/database.js'
import { Unauthorized } from '../../../src/core/errors.js'
import { secretHash } from '../../../src/core/secret-hash.js'
import { AuthRepository, AuthService } from '../../../src/features/auth/index.js'
import { MIGRATIONS } from '../../../src/server.js'
import { ManualClock } from '../../helpers/manual-clock.js'

/** A bus whose link to the other nodes the test cuts and restores. */
class SwitchableBus implements EventBus {
  readonly #listeners = new Set<BusListener>()
  readonly #connectionListeners = new Set<(connected: boolean) => void>()
  connected = true
  /** What went out in order: the events published and each flush. */
  readonly sent: string[] = []

  async publish(event: BusEvent): Promise<void> {
    this.sent.push(event.type)
    for (const listener of this.#listeners) listener(event)
  }

  async flush(): Promise<void> {
    this.sent.push('flush')
  }

  subscribe(listener: BusListener): () => void {
    this.#listeners.add(listener)
    return () => this.#listeners.delete(listener)
  }

  onConnection(listener: (connected: boolean) => void): () => void {
    this.#connectionListeners.add(listener)
    return () => this.#connectionListeners.delete(listener)
  }

  setConnected(connected: boolean): void {
    this.connected = connected
    for (const listener of this.#connectionListeners) listener(connected)
  }

  async close(): Promise<void> {}
}

const ADDRESS = 'RW2xEF6YL6n9tn1kxWXakC8t14SGrwGYCX'
const clock = new ManualClock()
const folder = mkdtempSync(join(tmpdir(), 'vfx-chat-sessions-'))
let db: Kysely<object>
let repository: AuthRepository
let bus: SwitchableBus
let auth: AuthService
let issued = 0

beforeAll(async () => {
  ;({ db } = await openDatabase(`sqlite:${join(folder, 'chat.db')}`, MIGRATIONS))
  repository = new AuthRepository(db)
})
afterAll(async () => {
  await db.destroy()
  rmSync(folder, { recursive: true, force: true })
})

/** A fresh service on a fresh bus, and a token of ADDRESS stored as sign-in stores it. */
async function signedIn(): Promise<string> {
  bus = new SwitchableBus()
  auth = new AuthService(repository, { network: 'mainnet', tokenTtl: 3600, clock, bus })
  const token = `token-${++issued}`
  await repository.saveToken(secretHash(token), ADDRESS, new Date(clock.now() + 3_600_000).toISOString())
  return token
}

/** The token's row deleted behind the service's back: only the database can tell it is gone. */
const deleteBehindItsBack = (token: string) => repository.deleteToken(secretHash(token))

describe('the session cache', () => {
  it('answers for a token it checked while the bus is up, without reading the database', async () => {
    const token = await signedIn()
    await auth.authenticate(token)
    await deleteBehindItsBack(token)
    expect(await auth.authenticate(token)).toMatchObject({ address: ADDRESS })
  })

  it('forgets a token as soon as a sign-out is heard on the bus', async () => {
    const token = await signedIn()
    await auth.authenticate(token)
    await deleteBehindItsBack(token)
    await auth.revoke(ADDRESS, token)
    await expect(auth.authenticate(token)).rejects.toBeInstanceOf(Unauthorized)
  })

  it('answers a sign-out only after the bus has flushed its revocation to the other nodes', async () => {
    const token = await signedIn()
    await auth.revoke(ADDRESS, token)
    expect(bus.sent).toEqual(['revoked', 'flush'])
    const other = await signedIn()
    await repository.saveToken(secretHash('token-second'), ADDRESS, new Date(clock.now() + 3_600_000).toISOString())
    await auth.revokeAll(ADDRESS)
    expect(bus.sent).toEqual(['revoked', 'revoked', 'flush'])
    await expect(auth.authenticate(other)).rejects.toBeInstanceOf(Unauthorized)
  })

  it('reads the database for every token while the bus is down, and keeps none', async () => {
    const token = await signedIn()
    await auth.authenticate(token)
    bus.setConnected(false)
    expect(await auth.authenticate(token)).toMatchObject({ address: ADDRESS })
    await deleteBehindItsBack(token)
    await expect(auth.authenticate(token)).rejects.toBeInstanceOf(Unauthorized)
  })

  it('starts empty when the bus comes back: what it missed meanwhile cannot answer', async () => {
    const token = await signedIn()
    await auth.authenticate(token)
    bus.setConnected(false)
    await deleteBehindItsBack(token)
    bus.setConnected(true)
    await expect(auth.authenticate(token)).rejects.toBeInstanceOf(Unauthorized)
  })
})
