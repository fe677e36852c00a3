import { describe, expect, it } from 'vitest'
import webPush from 'web-push'
import { ConfigError, loadConfig } from '../../../src/core/config.js'

describe('Web Push configuration', () => {
  const pair = webPush.generateVAPIDKeys()
  const other = webPush.generateVAPIDKeys()

  it('takes a VAPID key pair, a subject and PUSH_ALLOW_PRIVATE; without them, keys are made and kept', () => {
    expect(loadConfig({ VAPID_PUBLIC_KEY: pair.publicKey, VAPID_PRIVATE_KEY: pair.privateKey, VAPID_SUBJECT: 'https://chat.example.com', PUSH_ALLOW_PRIVATE: '1' })).toMatchObject({
      vapid: pair,
      vapidSubject: 'https://chat.example.com',
      pushAllowPrivate: true,
    })
    expect(loadConfig({})).toMatchObject({ vapid: null, vapidSubject: 'mailto:push@vfx-chat.invalid', pushAllowPrivate: false })
  })

  it('refuses a bad value with ConfigError naming the variable', () => {
    const refused: Array<[Record<string, string>, string]> = [
      [{ VAPID_PUBLIC_KEY: pair.publicKey }, 'VAPID_PUBLIC_KEY and VAPID_PRIVATE_KEY must be given together'],
      [{ VAPID_PRIVATE_KEY: pair.privateKey }, 'VAPID_PUBLIC_KEY and VAPID_PRIVATE_KEY must be given together'],
      [{ VAPID_PUBLIC_KEY: pair.publicKey, VAPID_PRIVATE_KEY: 'short' }, 'VAPID_PRIVATE_KEY must be a P-256 private key'],
      [{ VAPID_PUBLIC_KEY: other.publicKey, VAPID_PRIVATE_KEY: pair.privateKey }, "VAPID_PUBLIC_KEY must be VAPID_PRIVATE_KEY's public key"],
      [{ VAPID_SUBJECT: 'me@example.com' }, 'VAPID_SUBJECT must be a mailto: address or an https: URL'],
      [{ VAPID_SUBJECT: 'http://example.com' }, 'VAPID_SUBJECT must be a mailto: address or an https: URL'],
      [{ PUSH_ALLOW_PRIVATE: 'maybe' }, 'PUSH_ALLOW_PRIVATE must be on or off'],
    ]
    for (const [env, message] of refused) {
      expect(() => loadConfig(env), JSON.stringify(env)).toThrow(ConfigError)
      expect(() => loadConfig(env), JSON.stringify(env)).toThrow(message)
    }
  })
})
