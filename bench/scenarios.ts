import type { Request } from 'autocannon'
import { roundRobin } from './load.js'
import type { DepthSeeded, DepthTarget, Seeded } from './seed.js'
import type { BenchUser, Tokens } from './users.js'

/** A signed-in caller and one of their threads. */
export interface Target {
  user: BenchUser
  token: string
  thread: string
}

// Frozen: autocannon writes the content-length of the body it sends into the headers object it
// is given, and a shared one would carry a sign-in's length into every later request built on it.
const JSON_TYPE = Object.freeze({ 'content-type': 'application/json' })

function authorized(target: Target, extra: Record<string, string> = {}): Record<string, string> {
  return { authorization: `Bearer ${target.token}`, ...extra }
}

/** Every thread of each user's in `seeded`, with the user's token. */
export function targetsOf(users: readonly BenchUser[], seeded: Seeded, tokens: Tokens): Target[] {
  return users.flatMap((user) => (seeded.threadsOf.get(user.address) ?? []).map((thread) => ({ user, token: tokens.get(user)!, thread })))
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
        return { ...request, headers: { ...JSON_TYPE }, body: JSON.stringify({ address: user.address }) }
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
          headers: { ...JSON_TYPE },
          body: JSON.stringify({ address: user.address, message, signature: user.sign(message) }),
        }
      },
    },
  ]
}

export type RequestScenario = keyof ReturnType<typeof requestScenarios>

/** One GET, the same every time, by `token`'s caller. */
function fixedGet(token: string, path: string): Request[] {
  return [{ method: 'GET', path, headers: { authorization: `Bearer ${token}` } }]
}

/** The depth comparisons: name → the request on the deep side and the same on the ordinary side. */
export function depthScenarios(seeded: DepthSeeded, tokenOf: (address: string) => string) {
  const pair = (deep: DepthTarget, shallow: DepthTarget, path: (target: DepthTarget) => string) => ({
    deep: fixedGet(tokenOf(deep.address), path(deep)),
    shallow: fixedGet(tokenOf(shallow.address), path(shallow)),
  })
  const thread = (path: (target: DepthTarget) => string) => pair(seeded.deepThread, seeded.shallowThread, path)
  const inbox = (path: (target: DepthTarget) => string) => pair(seeded.bigInbox, seeded.smallInbox, path)
  // Pages of 10, so both sides answer as many messages (the ordinary thread holds 10): what
  // differs is the depth, not the answer.
  return {
    'thread: first page': thread((t) => `/api/chat/${t.thread}/message/?page_size=10`),
    'thread: last page': thread((t) => `/api/chat/${t.thread}/message/?page=last&page_size=10`),
    'thread: cursor page in the middle': thread((t) => `/api/chat/${t.thread}/message/?after=${t.cursorId}&limit=10`),
    'thread: detail': thread((t) => `/api/chat/${t.thread}/`),
    // The same answer on both sides: a detail shows the latest 100 messages of any thread.
    'thread: detail, against a 100-message thread': pair(seeded.deepThread, seeded.fullThread, (t) => `/api/chat/${t.thread}/`),
    'inbox: list page 1': inbox(() => '/api/chat/?page_size=20'),
    'inbox: list last page': inbox(() => '/api/chat/?page=last&page_size=20'),
    'inbox: new-messages': inbox(() => '/api/chat/new-messages/'),
    'inbox: lookup': inbox((t) => `/api/chat/lookup/?participants=${t.address},${t.partner}`),
  } satisfies Record<string, { deep: Request[]; shallow: Request[] }>
}
