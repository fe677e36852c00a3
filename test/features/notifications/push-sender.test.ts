import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import webPush from 'web-push'
import { PushSender } from '../../../src/features/notifications/push-sender.js'
import { PushEndpoint } from '../../helpers/push-endpoint.js'

const MESSAGE = { type: 'message', thread: 'a-thread', message_id: 1, sender: 'R-alice', title: 'New message', body: 'Open VFX Chat to read it.' } as const

describe('PushSender', () => {
  let service: PushEndpoint
  const vapid = { ...webPush.generateVAPIDKeys(), subject: 'mailto:push@example.com' }
  beforeAll(async () => {
    service = await PushEndpoint.start()
  })
  afterAll(() => service.close())

  it('refuses to connect to a host that resolves to a private address, whatever the subscription said', async () => {
    const browser = service.subscribe('private')
    // `localhost` resolves to 127.0.0.1: the lookup made at connect time refuses it.
    const target = { endpoint: browser.endpoint.replace('127.0.0.1', 'localhost'), ...browser.keys }
    await expect(new PushSender(vapid, { allowPrivate: false }).send(target, MESSAGE)).rejects.toMatchObject({ code: 'EPRIVATE' })
    expect(service.pending('private')).toEqual([])
    // Allowed, it reaches the service, which refuses it: the VAPID token is for the endpoint's
    // origin (localhost), and this push service calls itself 127.0.0.1.
    expect(await new PushSender(vapid, { allowPrivate: true }).send(target, MESSAGE)).toBe(400)
    expect(service.refused).toEqual([expect.stringContaining('bad VAPID claims')])
  })

  it('refuses an endpoint at a literal private address, which no lookup sees', async () => {
    const browser = service.subscribe('literal')
    expect(browser.endpoint).toContain('127.0.0.1')
    await expect(new PushSender(vapid, { allowPrivate: false }).send({ endpoint: browser.endpoint, ...browser.keys }, MESSAGE)).rejects.toMatchObject({ code: 'EPRIVATE' })
    expect(service.pending('literal')).toEqual([])
  })
})
