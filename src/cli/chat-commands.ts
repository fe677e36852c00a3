import { createWriteStream } from 'node:fs'
import { once } from 'node:events'
import { resolve } from 'node:path'
import type { Message } from '../sdk/client.js'
import { VfxChatClient } from '../sdk/client.js'
import { subscribe } from '../sdk/stream.js'
import { isValidAddress } from '../core/vfx/address.js'
import { signedIn } from './account-commands.js'
import { CliError, paint, print } from './output.js'

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i

function client() {
  const session = signedIn()
  return { session, api: new VfxChatClient(session.server, session.token) }
}

function line(message: Message, me: string): string {
  const who = message.sender === me ? paint('cyan', 'me') : paint('bold', message.sender)
  const text = message.deleted_by ? paint('dim', message.deleted_by === 'moderator' ? '(removed by moderators)' : '(deleted)') : message.content
  const files = message.attachments.length > 0 ? paint('dim', ` [${message.attachments.map((a) => a.name).join(', ')}]`) : ''
  return `${paint('dim', message.timestamp.slice(0, 16).replace('T', ' '))} ${who}: ${text}${files}`
}

export async function threads(options: { requests?: boolean; page?: string }, json: boolean): Promise<void> {
  const { session, api } = client()
  const page = await api.listThreads({ page: options.page ? Number(options.page) : undefined, ...(options.requests && { consent: 'request' }) })
  print(json, page, () =>
    page.results.length === 0
      ? 'no threads'
      : page.results.map((thread) => {
          const others = thread.participants.filter((address) => address !== session.address).join(', ')
          const unread = thread.unread_count > 0 ? paint('yellow', ` (${thread.unread_count} unread)`) : ''
          return `${thread.uuid}  ${others}${thread.shop ? ` @ ${thread.shop.name}` : ''}${unread}\n    ${thread.last_message ?? ''}`
        }),
  )
}

/** A thread by its uuid, or the thread with an address (created when there is none yet). */
export async function open(target: string, json: boolean): Promise<void> {
  const { session, api } = client()
  let detail
  if (UUID.test(target)) detail = await api.getThread(target.toLowerCase())
  else if (isValidAddress(target, 'mainnet') || isValidAddress(target, 'testnet')) {
    detail = (await api.createThread({ participants: [session.address, target] })).thread
  } else throw new CliError(`"${target}" is neither a thread uuid nor a VFX address`)
  print(json, detail, () => [
    `${detail.uuid}  with ${detail.participants.filter((a) => a !== session.address).join(', ')}`,
    ...detail.messages.map((message) => line(message, session.address)),
  ])
}

export async function send(uuid: string, words: string[], options: { clientId?: string }, json: boolean): Promise<void> {
  const { session, api } = client()
  const content = words.join(' ')
  if (!UUID.test(uuid)) throw new CliError(`"${uuid}" is not a thread uuid (vfx-chat threads lists them)`)
  const { message } = await api.sendMessage(uuid.toLowerCase(), { content, client_id: options.clientId })
  print(json, message, () => line(message, session.address))
}

/**
 * Follows new messages live until interrupted. The SDK's stream reconnects on its own and
 * resumes after the last message, so a dropped connection loses nothing.
 */
export async function tail(options: { thread?: string; after?: string }, json: boolean): Promise<void> {
  const { session } = client()
  const thread = options.thread?.toLowerCase()
  await new Promise<void>((done, fail) => {
    const subscription = subscribe(
      session.server,
      session.token,
      {
        message(message) {
          if (thread && message.thread_uuid !== thread) return
          print(json, message, () => `${paint('dim', message.thread_uuid.slice(0, 8))} ${line(message, session.address)}`)
        },
        status(status) {
          if (!json && status === 'reconnecting') process.stderr.write(paint('yellow', 'connection lost; reconnecting…\n'))
        },
        unauthorized() {
          subscription.close()
          fail(new CliError('the server refused the session (signed out or expired): vfx-chat login'))
        },
      },
      { afterId: options.after === undefined ? undefined : Number(options.after) },
    )
    for (const signal of ['SIGINT', 'SIGTERM'] as const) {
      process.once(signal, () => {
        subscription.close()
        done()
      })
    }
  })
}

/** My data as JSON Lines: one record per line, each with its `type`. */
export async function exportData(options: { out?: string }): Promise<void> {
  const { api } = client()
  const data = await api.exportAccount()
  const out = options.out ? createWriteStream(resolve(options.out), { mode: 0o600 }) : process.stdout
  const write = async (record: object) => {
    if (!out.write(`${JSON.stringify(record)}\n`)) await once(out, 'drain')
  }
  await write({ type: 'account', address: data.address, exported_at: data.exported_at, messages_sent: data.messages_sent })
  for (const { messages, ...thread } of data.threads) {
    await write({ type: 'thread', ...thread })
    for (const message of messages) await write({ type: 'message', ...message })
  }
  for (const shop of data.shops) await write({ type: 'shop', ...shop })
  for (const block of data.blocks) await write({ type: 'block', ...block })
  for (const attachment of data.attachments) await write({ type: 'attachment', ...attachment })
  if (out !== process.stdout) {
    out.end()
    await once(out, 'finish')
  }
}
