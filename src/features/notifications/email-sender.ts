import { createTransport, type Transporter } from 'nodemailer'
import type { Mail } from './email-messages.js'

/** Where mails go: the SMTP server of SMTP_URL, through nodemailer. */
export interface MailSender {
  send(mail: Mail): Promise<void>
  close(): void
}

/**
 * Every mail through a small pool of SMTP connections, kept open between mails. Their
 * timeouts stay well under a digest's sending lease, so a hung server fails the try instead of
 * letting another node send it too.
 */
export class SmtpSender implements MailSender {
  readonly #transport: Transporter
  readonly #from: string

  constructor(smtpUrl: string, from: string) {
    this.#transport = createTransport({ url: smtpUrl, pool: true, maxConnections: 5, connectionTimeout: 10_000, greetingTimeout: 10_000, socketTimeout: 30_000 })
    this.#from = from
  }

  async send(mail: Mail): Promise<void> {
    await this.#transport.sendMail({ from: this.#from, ...mail })
  }

  close(): void {
    this.#transport.close()
  }
}
