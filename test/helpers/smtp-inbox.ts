import { SMTPServer } from 'smtp-server'
import type { Clock } from '../../src/core/clock.js'
import type { Engine } from '../../src/core/database/engine.js'
import { startTestServer, type TestServer } from './server.js'

/** The base of every link in the test servers' mails. */
export const PUBLIC_URL = 'https://chat.example'

/** A mail as an SMTP server received it: its envelope, headers (names lower-cased) and decoded parts. */
export interface ReceivedMail {
  to: string[]
  headers: Map<string, string>
  subject: string
  text: string
  html: string
}

/**
 * A real SMTP server (smtp-server) on a loopback port that keeps every mail it accepts, for
 * tests of what the service sends. `refuse(n)` makes it answer the next n mails with a 451.
 *
 * ```ts
 * const inbox = await SmtpInbox.start()
 * const server = await startTestServer({ SMTP_URL: inbox.url, PUBLIC_URL: 'https://chat.example' })
 * const mail = await inbox.next((m) => m.to.includes('buyer@example.com'))
 * ```
 */
export class SmtpInbox {
  readonly mails: ReceivedMail[] = []
  readonly #server: SMTPServer
  readonly #waiting = new Set<() => void>()
  #taken = new Set<ReceivedMail>()
  #refusals = 0
  #url = ''

  private constructor() {
    this.#server = new SMTPServer({
      authOptional: true,
      disabledCommands: ['STARTTLS'],
      logger: false,
      onData: (stream, session, callback) => {
        const chunks: Buffer[] = []
        stream.on('data', (chunk: Buffer) => chunks.push(chunk))
        stream.on('end', () => {
          if (this.#refusals > 0) {
            this.#refusals--
            return callback(Object.assign(new Error('Try again later'), { responseCode: 451 }))
          }
          this.mails.push(parseMail(Buffer.concat(chunks).toString('utf8'), session.envelope.rcptTo.map((rcpt) => rcpt.address)))
          for (const wake of this.#waiting) wake()
          callback()
        })
      },
    })
  }

  static async start(): Promise<SmtpInbox> {
    const inbox = new SmtpInbox()
    await new Promise<void>((resolve) => inbox.#server.listen(0, '127.0.0.1', resolve))
    const address = inbox.#server.server.address()
    if (typeof address !== 'object' || address === null) throw new Error('the SMTP server listens nowhere')
    inbox.#url = `smtp://127.0.0.1:${address.port}`
    return inbox
  }

  get url(): string {
    return this.#url
  }

  refuse(mails: number): void {
    this.#refusals = mails
  }

  /** The first mail matching `match` that no earlier `next` returned, waiting for it up to `timeoutMs`. */
  async next(match: (mail: ReceivedMail) => boolean = () => true, timeoutMs = 15_000): Promise<ReceivedMail> {
    const found = () => this.mails.find((mail) => !this.#taken.has(mail) && match(mail))
    let mail = found()
    if (!mail) {
      mail = await new Promise<ReceivedMail>((resolve, reject) => {
        const timer = setTimeout(() => {
          this.#waiting.delete(check)
          reject(new Error(`no matching mail within ${timeoutMs} ms; received: ${this.mails.map((m) => m.subject).join(' | ')}`))
        }, timeoutMs)
        const check = () => {
          const arrived = found()
          if (!arrived) return
          clearTimeout(timer)
          this.#waiting.delete(check)
          resolve(arrived)
        }
        this.#waiting.add(check)
      })
    }
    this.#taken.add(mail)
    return mail
  }

  /** The `token` of the link to `path` in the next mail to `to`. */
  async linkToken(to: string, path: string): Promise<{ mail: ReceivedMail; token: string }> {
    const mail = await this.next((m) => m.to.includes(to))
    const link = `${path}?token=`
    const at = mail.text.indexOf(link)
    const token = at < 0 ? undefined : /^[A-Za-z0-9_-]+/.exec(mail.text.slice(at + link.length))?.[0]
    if (!token) throw new Error(`no link to ${path} in: ${mail.text}`)
    return { mail, token }
  }

  /** Mails to `address` received so far. */
  to(address: string): ReceivedMail[] {
    return this.mails.filter((mail) => mail.to.includes(address))
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.#server.close(() => resolve()))
  }
}

/** Enough MIME for nodemailer's mails: unfolded headers, one level of multipart, QP and base64. */
function parseMail(raw: string, to: string[]): ReceivedMail {
  const { headers, body } = splitEntity(raw)
  const parts = new Map<string, string>()
  const boundary = /boundary="?([^";]+)"?/i.exec(headers.get('content-type') ?? '')?.[1]
  const entities = boundary ? body.split(`--${boundary}`).slice(1, -1).map((part) => splitEntity(part.replace(/^\r\n/, ''))) : [{ headers, body }]
  for (const entity of entities) {
    const type = (entity.headers.get('content-type') ?? 'text/plain').split(';')[0]!.trim().toLowerCase()
    // SMTP carries CRLF line ends; tests compare with '\n'.
    parts.set(type, decode(entity.body, entity.headers.get('content-transfer-encoding') ?? '7bit').replace(/\r\n/g, '\n'))
  }
  return { to, headers, subject: headers.get('subject') ?? '', text: parts.get('text/plain') ?? '', html: parts.get('text/html') ?? '' }
}

function splitEntity(raw: string): { headers: Map<string, string>; body: string } {
  const end = raw.indexOf('\r\n\r\n')
  const head = end < 0 ? raw : raw.slice(0, end)
  const headers = new Map<string, string>()
  for (const line of head.replace(/\r\n(?=[ \t])/g, '').split('\r\n')) {
    const colon = line.indexOf(':')
    if (colon > 0) headers.set(line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim())
  }
  return { headers, body: end < 0 ? '' : raw.slice(end + 4) }
}

function decode(body: string, encoding: string): string {
  switch (encoding.trim().toLowerCase()) {
    case 'base64':
      return Buffer.from(body.replace(/\s+/g, ''), 'base64').toString('utf8')
    case 'quoted-printable': {
      const bytes = body.replace(/=\r\n/g, '').replace(/=([0-9A-F]{2})/gi, (_match, hex: string) => String.fromCharCode(parseInt(hex, 16)))
      return Buffer.from(bytes, 'latin1').toString('utf8')
    }
    default:
      return body
  }
}

/** A test server with e-mail on, mailing to an inbox of its own; `stop` ends both. */
export async function startMailingServer(engine: Engine, clock: Clock) {
  const inbox = await SmtpInbox.start()
  const server: TestServer = await startTestServer({ SMTP_URL: inbox.url, PUBLIC_URL }, { engine, clock })
  return {
    server,
    inbox,
    async stop() {
      await server.destroy()
      await inbox.close()
    },
  }
}
