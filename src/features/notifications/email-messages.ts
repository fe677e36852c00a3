import type { UnreadThread } from '../chat/index.js'
import { VERIFICATION_TTL_MS } from './email-rules.js'

/** A mail as the sender hands it to the SMTP server. */
export interface Mail {
  to: string
  subject: string
  text: string
  html: string
  headers?: Record<string, string>
}

const PRODUCT = 'VFX Chat'
/** Characters of a message's words a digest with previews shows. */
const PREVIEW_LENGTH = 200

export function verificationMail(to: string, link: string): Mail {
  const within = `${VERIFICATION_TTL_MS / 3_600_000} hours`
  return {
    to,
    subject: `Confirm your e-mail address for ${PRODUCT}`,
    text: `Someone, probably you, asked ${PRODUCT} to send digests of unread messages to this address.\n\nTo confirm, open this link within ${within} and press Confirm:\n${link}\n\nIf it was not you, ignore this mail: nothing will be sent.\n`,
    html: page(
      'Confirm your e-mail address',
      `<p>Someone, probably you, asked ${PRODUCT} to send digests of unread messages to this address.</p>` +
        `<p><a href="${escape(link)}">Confirm this address</a> within ${within}.</p>` +
        '<p>If it was not you, ignore this mail: nothing will be sent.</p>',
    ),
  }
}

/**
 * One digest of `threads`: per thread whom it is with, how many unread, its link in the web
 * client; the newest message's words only with `previews`. The one-click unsubscribe headers
 * (RFC 8058) let a mail client turn digests off without signing in.
 */
export function digestMail(
  to: string,
  threads: readonly UnreadThread[],
  options: { previews: boolean; publicUrl: string; unsubscribeUrl: string },
): Mail {
  const total = threads.reduce((sum, thread) => sum + thread.unread, 0)
  const subject = `${total} unread ${total === 1 ? 'message' : 'messages'} on ${PRODUCT}`
  const lines = threads.map((thread) => ({
    title: `${titleOf(thread)}: ${thread.unread} unread`,
    preview: options.previews ? previewOf(thread) : null,
    link: `${options.publicUrl}/#/t/${thread.uuid}`,
  }))
  const text = [
    `${subject}.`,
    ...lines.map((line) => [line.title, line.preview && `  ${line.preview}`, `  ${line.link}`].filter(Boolean).join('\n')),
    `Turn these e-mails off: ${options.unsubscribeUrl}`,
  ].join('\n\n')
  const html = page(
    subject,
    '<ul>' +
      lines
        .map(
          (line) =>
            `<li><a href="${escape(line.link)}">${escape(line.title)}</a>` + (line.preview ? `<br><q>${escape(line.preview)}</q>` : '') + '</li>',
        )
        .join('') +
      `</ul><p><a href="${escape(options.unsubscribeUrl)}">Turn these e-mails off</a></p>`,
  )
  return {
    to,
    subject,
    text: `${text}\n`,
    html,
    headers: { 'List-Unsubscribe': `<${options.unsubscribeUrl}>`, 'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click' },
  }
}

/**
 * The page a mail's link opens: a button that POSTs, because mail scanners fetch every link
 * they see and a GET that acted would verify or unsubscribe on their say.
 */
export function confirmPage(form: { title: string; explanation: string; action: string; button: string; fields?: Record<string, string> }): string {
  const fields = Object.entries(form.fields ?? {}).map(([name, value]) => `<input type="hidden" name="${escape(name)}" value="${escape(value)}">`)
  return page(
    form.title,
    `<p>${escape(form.explanation)}</p><form method="post" action="${escape(form.action)}">${fields.join('')}` +
      `<button type="submit">${escape(form.button)}</button></form>`,
  )
}

/** The page a confirmed action answers a browser with. */
export function donePage(title: string, explanation: string): string {
  return page(title, `<p>${escape(explanation)}</p>`)
}

function titleOf(thread: UnreadThread): string {
  const others = thread.others.join(', ') || 'yourself'
  return thread.shopName === null ? others : `${thread.shopName} (${others})`
}

function previewOf(thread: UnreadThread): string {
  const words = thread.newest.content.trim()
  if (words === '') return '(an attachment)'
  const chars = [...words]
  return chars.length > PREVIEW_LENGTH ? `${chars.slice(0, PREVIEW_LENGTH).join('')}…` : words
}

function page(title: string, body: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${escape(title)}</title></head><body><h1>${escape(title)}</h1>${body}</body></html>\n`
}

function escape(text: string): string {
  return text.replace(/[&<>"']/g, (char) => `&#${char.charCodeAt(0)};`)
}
