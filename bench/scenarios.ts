import type { Request } from 'autocannon'
import { roundRobin } from './load.js'
import type { BenchUser, Tokens } from './users.js'

/** A signed-in caller and one of their threads. */
export interface Target {
  user: BenchUser
  token: string
  thread: string
}

const JSON_TYPE = { 'content-type': 'application/json' }

function authorized(target: Target, extra: Record<string, string> = {}): Record<string, string> {
  return { authorization: `Bearer ${target.token}`, ...extra }
}

/** A GET whose path and caller change on every request, over `targets` in turn. */
function get(targets: readonly Target[], path: (target: Target) => string): Request[] {
  const next = roundRobin(targets)
  return [
    {
      method: 'GET',
      setupRequest: (request) => {
        const target = next()
        return { ...request, path: path(target), headers: authorized(target) }
      },
    },
  ]
}

/** The request scenarios: name → autocannon requests. */
export function requestScenarios(targets: readonly Target[], users: readonly BenchUser[], tokens: Tokens) {
  const byUser = users.map((user) => ({ user, token: tokens.get(user)!, thread: '' }))
  let sent = 0
  const nextSend = roundRobin(targets)
  return {
    read: get(targets, (t) => `/api/chat/${t.thread}/message/?page_size=20`),
    list: get(byUser, () => '/api/chat/?page_size=20'),
    'new-messages': get(byUser, () => '/api/chat/new-messages/'),
    detail: get(targets, (t) => `/api/chat/${t.thread}/`),
    send: [
      {
        method: 'POST',
        setupRequest: (request) => {
          const target = nextSend()
          return {
            ...request,
            path: `/api/chat/${target.thread}/message/`,
            headers: authorized(target, JSON_TYPE),
            body: JSON.stringify({ content: `Bench message ${++sent}: would you take 120 VFX for it?` }),
          }
        },
      },
    ],
    signin: signIn(users),
  } satisfies Record<string, Request[]>
}

/** Uploads of `file` to the callers' threads in turn, sent as the SDK sends a file. */
export function uploadScenario(targets: readonly Target[], file: Buffer, extension: string): Request[] {
  const next = roundRobin(targets)
  let uploaded = 0
  return [
    {
      method: 'POST',
      setupRequest: (request) => {
        const target = next()
        return {
          ...request,
          path: `/api/chat/${target.thread}/attachments/?name=bench-${++uploaded}.${extension}`,
          headers: authorized(target, { 'content-type': 'application/octet-stream' }),
          body: file,
        }
      },
    },
  ]
}

/** GETs of signed attachment paths (`url` or `thumbnail_url`) in turn, with no token, as an `<img src>`. */
export function downloadScenario(paths: readonly string[]): Request[] {
  const next = roundRobin(paths)
  return [{ method: 'GET', setupRequest: (request) => ({ ...request, path: next() }) }]
}

/** challenge → sign (in the bench process) → token: two requests per sign-in. */
function signIn(users: readonly BenchUser[]): Request[] {
  const nextUser = roundRobin(users)
  return [
    {
      method: 'POST',
      path: '/api/auth/challenge/',
      setupRequest: (request, context) => {
        const user = nextUser()
        context.user = user
        return { ...request, headers: JSON_TYPE, body: JSON.stringify({ address: user.address }) }
      },
      onResponse: (_status, body, context) => {
        context.message = (JSON.parse(body) as { message: string }).message
      },
    },
    {
      method: 'POST',
      path: '/api/auth/token/',
      setupRequest: (request, context) => {
        const user = context.user as BenchUser
        const message = context.message as string
        return {
          ...request,
          headers: JSON_TYPE,
          body: JSON.stringify({ address: user.address, message, signature: user.sign(message) }),
        }
      },
    },
  ]
}

export type RequestScenario = keyof ReturnType<typeof requestScenarios>
