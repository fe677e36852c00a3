import { useEffect, useMemo, useState } from 'preact/hooks'
import type { Session } from '../sdk/client.js'
import { Address } from './address.js'
import { Conversation } from './conversation.js'
import { Inbox } from './inbox.js'
import { Live, type LiveStatus } from './live.js'
import { Moderation, useOperator, type ModerationRoute } from './moderation.js'
import { NewChat } from './new-chat.js'
import { NotificationSettings } from './notifications.js'
import { OfflineBanner } from './offline-banner.js'
import type { PageConfig } from './page-config.js'
import { Privacy } from './privacy.js'
import { clearSession, loadSession, WebClient } from './session.js'
import { SignIn } from './sign-in.js'
import { useBlocks } from './use-blocks.js'
import { FOLDERS, useInbox, type Folder } from './use-inbox.js'
import { useNotifications } from './use-notifications.js'
import { useTyping } from './use-typing.js'

type Route =
  | { view: 'inbox' }
  | { view: 'new' }
  | { view: 'privacy' }
  | { view: 'notifications' }
  | { view: 'thread'; uuid: string }
  | { view: 'moderation'; at: ModerationRoute }

const FIXED_ROUTES: Record<string, Route> = {
  '#/new': { view: 'new' },
  '#/privacy': { view: 'privacy' },
  '#/notifications': { view: 'notifications' },
  '#/moderation': { view: 'moderation', at: { tab: 'reports' } },
  '#/moderation/suspensions': { view: 'moderation', at: { tab: 'suspensions' } },
  '#/moderation/audit': { view: 'moderation', at: { tab: 'audit' } },
}

/** Hash routes (`#/t/<uuid>`, `#/new`, `#/moderation/reports/<id>`…) survive a reload without any server-side routing. */
function parseRoute(hash: string): Route {
  const thread = /^#\/t\/([0-9a-f-]{36})$/i.exec(hash)
  if (thread) return { view: 'thread', uuid: thread[1]!.toLowerCase() }
  const report = /^#\/moderation\/reports\/([1-9][0-9]{0,9})$/.exec(hash)
  if (report) return { view: 'moderation', at: { tab: 'report', id: Number(report[1]) } }
  return FIXED_ROUTES[hash] ?? { view: 'inbox' }
}

function useRoute(): Route {
  const [hash, setHash] = useState(location.hash)
  useEffect(() => {
    const onChange = () => setHash(location.hash)
    addEventListener('hashchange', onChange)
    return () => removeEventListener('hashchange', onChange)
  }, [])
  return useMemo(() => parseRoute(hash), [hash])
}

/** A clock for relative times ("5 min. ago"). */
function useNow(everyMs: number): number {
  const [now, setNow] = useState(Date.now())
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), everyMs)
    return () => clearInterval(timer)
  }, [everyMs])
  return now
}

function useLiveStatus(live: Live): LiveStatus {
  const [status, setStatus] = useState(live.status)
  useEffect(() => live.onStatus(setStatus), [live])
  return status
}

export function App({ config }: { config: PageConfig }) {
  const [session, setSession] = useState(() => loadSession())
  const [notice, setNotice] = useState<string | null>(null)
  if (!session) {
    return (
      <SignIn
        config={config}
        notice={notice}
        onSignedIn={(next) => {
          setNotice(null)
          setSession(next)
        }}
      />
    )
  }
  const signedOut = (reason: string | null) => {
    clearSession()
    setNotice(reason)
    setSession(null)
  }
  return <ChatShell key={session.token} session={session} config={config} onSignedOut={signedOut} />
}

interface ShellProps {
  session: Session
  config: PageConfig
  onSignedOut: (reason: string | null) => void
}

/** The signed-in page: inbox beside the open conversation (one at a time on narrow screens). */
function ChatShell({ session, config, onSignedOut }: ShellProps) {
  const ended = () => onSignedOut('Your session has ended. Sign in again.')
  const client = useMemo(() => new WebClient(session, ended) as WebClient & { address: string }, [session])
  const live = useMemo(() => new Live(location.origin, session.token, ended), [session])
  useEffect(() => () => live.close(), [live])
  const status = useLiveStatus(live)
  const route = useRoute()
  const openUuid = route.view === 'thread' ? route.uuid : null
  const inbox = useInbox(client, live, openUuid)
  const blocks = useBlocks(client, inbox.reload)
  const typing = useTyping(live)
  const notifications = useNotifications(client, live)
  const operator = useOperator(client)
  const now = useNow(30_000)
  const [folder, setFolder] = useState<Folder>('accepted')
  const unread = FOLDERS.flatMap((name) => inbox.folders[name].threads ?? []).reduce((sum, thread) => sum + thread.unread_count, 0)
  useEffect(() => {
    document.title = unread > 0 ? `(${unread}) VFX Chat` : 'VFX Chat'
  }, [unread])

  const signOut = async () => {
    live.close()
    try {
      await client.signOut()
    } catch {
      // Signed out here either way; an unreachable server lets the token expire.
    }
    onSignedOut(null)
  }

  return (
    <div class={`shell ${route.view === 'inbox' ? 'at-inbox' : 'at-detail'}`}>
      <header class="topbar">
        <span class="brand">VFX Chat</span>
        <span class="me">
          <span class="me-label">Signed in as</span> <Address address={session.address} />
        </span>
        <a
          class="button secondary"
          href="#/notifications"
          title="Notifications, quiet hours and this browser"
          aria-current={route.view === 'notifications' ? 'page' : undefined}
        >
          Notifications
        </a>
        {operator && (
          <a class="button secondary" href="#/moderation" aria-current={route.view === 'moderation' ? 'page' : undefined}>
            Moderation
          </a>
        )}
        <button type="button" class="secondary" onClick={signOut}>
          Sign out
        </button>
      </header>
      <OfflineBanner status={status} />
      <div class="panes">
        <aside class="inbox-pane">
          <div class="pane-title">
            <h1>Chats</h1>
            <a
              class="button secondary"
              href="#/privacy"
              title="Message requests and blocked addresses"
              aria-current={route.view === 'privacy' ? 'page' : undefined}
            >
              Privacy
            </a>
            <a class="button primary" href="#/new">
              New chat
            </a>
          </div>
          <Inbox inbox={inbox} folder={folder} onFolder={setFolder} me={session.address} openUuid={openUuid} typing={typing} now={now} />
        </aside>
        <main class="detail-pane">
          {route.view === 'thread' ? (
            <Conversation
              key={route.uuid}
              client={client}
              live={live}
              uuid={route.uuid}
              config={config}
              typing={typing.get(route.uuid)}
              onSeen={inbox.markSeen}
              blocks={blocks}
              notifications={notifications}
              onLeft={() => {
                location.hash = '#/'
              }}
              onConsentChanged={inbox.reload}
            />
          ) : route.view === 'new' ? (
            <NewChat
              client={client}
              config={config}
              onCreated={(thread) => {
                inbox.upsert(thread)
                location.hash = `#/t/${thread.uuid}`
              }}
            />
          ) : route.view === 'privacy' ? (
            <Privacy client={client} blocks={blocks} now={now} />
          ) : route.view === 'notifications' ? (
            <NotificationSettings client={client} notifications={notifications} />
          ) : route.view === 'moderation' && operator ? (
            <Moderation client={client} route={route.at} now={now} />
          ) : (
            <div class="empty">
              <p class="placeholder">Pick a chat, or start a new one.</p>
            </div>
          )}
        </main>
      </div>
    </div>
  )
}
