import { useEffect, useRef, useState } from 'preact/hooks'
import type { Report } from '../sdk/client.js'
import { Address } from './address.js'
import { AuditLog } from './audit-log.js'
import { fullTime, relativeTime, shortAddress } from './format.js'
import { ReasonForm, SuspendForm } from './moderation-forms.js'
import { PaneHeader } from './pane-header.js'
import { PagedItems } from './paged-items.js'
import { errorText, type WebClient } from './session.js'
import { Suspensions } from './suspensions.js'
import { PAGE_SIZE, usePagedList } from './use-paged-list.js'

export type ModerationRoute = { tab: 'reports' } | { tab: 'report'; id: number } | { tab: 'suspensions' } | { tab: 'audit' }

const TABS = [
  { href: '#/moderation', name: 'Reports', tabs: ['reports', 'report'] },
  { href: '#/moderation/suspensions', name: 'Suspensions', tabs: ['suspensions'] },
  { href: '#/moderation/audit', name: 'Audit log', tabs: ['audit'] },
] as const

/**
 * Whether the signed-in address is an operator: the moderation API answers operators and
 * refuses (403) everyone else, so the page asks it rather than being told.
 */
export function useOperator(client: WebClient): boolean {
  const [operator, setOperator] = useState(false)
  useEffect(() => {
    let closed = false
    client.listReports({ status: 'open', page_size: 1 }).then(
      () => {
        if (!closed) setOperator(true)
      },
      // 403 for everyone but operators; anything else leaves the view out too, as the API would refuse it.
      () => {},
    )
    return () => {
      closed = true
    }
  }, [client])
  return operator
}

/** The operators' view: reports with their evidence, suspensions and the audit log. */
export function Moderation({ client, route, now }: { client: WebClient; route: ModerationRoute; now: number }) {
  return (
    <section class="moderation" aria-labelledby="moderation-title">
      <PaneHeader>
        <h2 id="moderation-title">Moderation</h2>
      </PaneHeader>
      <nav class="tabs" aria-label="Moderation">
        {TABS.map((tab) => (
          <a key={tab.href} href={tab.href} aria-current={(tab.tabs as readonly string[]).includes(route.tab) ? 'page' : undefined}>
            {tab.name}
          </a>
        ))}
      </nav>
      <div class="moderation-body">
        {route.tab === 'report' ? (
          <ReportDetail key={route.id} client={client} id={route.id} />
        ) : route.tab === 'suspensions' ? (
          <Suspensions client={client} now={now} />
        ) : route.tab === 'audit' ? (
          <AuditLog client={client} now={now} />
        ) : (
          <ReportList client={client} now={now} />
        )}
      </div>
    </section>
  )
}

type StatusFilter = Report['status'] | 'all'
const FILTERS: { value: StatusFilter; name: string }[] = [
  { value: 'open', name: 'Open' },
  { value: 'resolved', name: 'Resolved' },
  { value: 'all', name: 'All' },
]

function ReportList({ client, now }: { client: WebClient; now: number }) {
  const [filter, setFilter] = useState<StatusFilter>('open')
  const list = usePagedList(
    (page) => client.listReports({ page, page_size: PAGE_SIZE, status: filter === 'all' ? undefined : filter }),
    [client, filter],
  )
  return (
    <>
      <div class="list-tools">
        <fieldset class="segmented">
          <legend class="visually-hidden">Show reports</legend>
          {FILTERS.map(({ value, name }) => (
            <label key={value}>
              <input type="radio" name="report-status" value={value} checked={filter === value} onChange={() => setFilter(value)} />
              <span>{name}</span>
            </label>
          ))}
        </fieldset>
        <button type="button" class="secondary" onClick={list.reload}>
          Refresh
        </button>
      </div>
      <PagedItems list={list} empty={filter === 'open' ? 'No open reports.' : 'No reports.'} label="Report pages">
        {(reports) => (
          <ul class="report-list" aria-label="Reports">
            {reports.map((report) => (
              <li key={report.id} class="report-item">
                <div class="report-top">
                  <a href={`#/moderation/reports/${report.id}`}>Report #{report.id}</a>
                  <StatusBadge status={report.status} />
                  <time class="muted" dateTime={report.created_at} title={fullTime(report.created_at)}>
                    {relativeTime(report.created_at, now)}
                  </time>
                </div>
                <p class="report-reason">{report.reason}</p>
                <p class="muted">
                  By <span title={report.reporter}>{shortAddress(report.reporter)}</span> · {report.messages.length}{' '}
                  {report.messages.length === 1 ? 'message' : 'messages'}
                </p>
              </li>
            ))}
          </ul>
        )}
      </PagedItems>
    </>
  )
}

function StatusBadge({ status }: { status: Report['status'] }) {
  return <span class={`status-badge ${status}`}>{status === 'open' ? 'Open' : 'Resolved'}</span>
}

type Acting = { messageId: number; action: 'remove' | 'suspend' } | null

/** One report: who made it and why, its snapshot (never the rest of the thread), and the actions on it. */
function ReportDetail({ client, id }: { client: WebClient; id: number }) {
  const [report, setReport] = useState<Report | null>(null)
  const [error, setError] = useState<string | null>(null)
  const [acting, setActing] = useState<Acting>(null)
  const [removed, setRemoved] = useState<ReadonlySet<number>>(new Set())
  const [status, setStatus] = useState('')
  const title = useRef<HTMLHeadingElement>(null)

  useEffect(() => {
    let closed = false
    client.getReport(id).then(
      (answer) => {
        if (!closed) setReport(answer)
      },
      (caught: unknown) => {
        if (!closed) setError(errorText(caught))
      },
    )
    return () => {
      closed = true
    }
  }, [client, id])

  // A finished action's form goes; the heading keeps the keyboard's place.
  const done = (said: string) => {
    setActing(null)
    setStatus(said)
    title.current?.focus()
  }

  if (!report) {
    return error ? (
      <p class="error" role="alert">
        {error}
      </p>
    ) : (
      <p class="placeholder">Loading…</p>
    )
  }
  return (
    <article class="report" aria-labelledby="report-title">
      <div class="report-heading">
        <h3 id="report-title" ref={title} tabIndex={-1}>
          Report #{report.id}
        </h3>
        <StatusBadge status={report.status} />
      </div>
      <p class="muted" role="status">
        {status}
      </p>
      <dl class="facts">
        <dt>Reported by</dt>
        <dd>
          <Address address={report.reporter} />
        </dd>
        <dt>When</dt>
        <dd>{fullTime(report.created_at)}</dd>
        <dt>Thread</dt>
        <dd class="mono">{report.thread_uuid}</dd>
        <dt>Reason</dt>
        <dd class="content">{report.reason}</dd>
        {report.status === 'resolved' && (
          <>
            <dt>Resolved by</dt>
            <dd>{report.resolved_by && <Address address={report.resolved_by} />}</dd>
            <dt>Resolved</dt>
            <dd>{report.resolved_at && fullTime(report.resolved_at)}</dd>
            <dt>Resolution</dt>
            <dd class="content">{report.resolution}</dd>
          </>
        )}
      </dl>
      <h4>Reported messages</h4>
      <p class="hint">As they were when the report was made. The rest of the conversation is not shown.</p>
      <ol class="snapshot" aria-label="Reported messages">
        {report.messages.map((message) => {
          const formId = `message-${message.id}`
          const toggle = (action: 'remove' | 'suspend') =>
            setActing(acting?.messageId === message.id && acting.action === action ? null : { messageId: message.id, action })
          return (
            <li key={message.id} class="snapshot-message">
              <div class="snapshot-meta">
                <Address address={message.sender} />
                <time class="muted" dateTime={message.timestamp}>
                  {fullTime(message.timestamp)}
                </time>
                {removed.has(message.id) && <span class="status-badge removed">Removed for everyone</span>}
              </div>
              {message.content ? <p class="content">{message.content}</p> : <p class="muted">(no text)</p>}
              {message.attachments.length > 0 && (
                <p class="muted">
                  {message.attachments.length} {message.attachments.length === 1 ? 'attachment' : 'attachments'} (not shown)
                </p>
              )}
              <div class="actions start">
                {!removed.has(message.id) && (
                  <button type="button" class="secondary" aria-expanded={acting?.messageId === message.id && acting.action === 'remove'} onClick={() => toggle('remove')}>
                    Remove for everyone
                  </button>
                )}
                <button type="button" class="secondary" aria-expanded={acting?.messageId === message.id && acting.action === 'suspend'} onClick={() => toggle('suspend')}>
                  Suspend sender
                </button>
              </div>
              {acting?.messageId === message.id &&
                (acting.action === 'remove' ? (
                  <ReasonForm
                    id={`${formId}-remove`}
                    label="Why remove it"
                    submitLabel="Remove message"
                    busyLabel="Removing…"
                    danger
                    onCancel={() => setActing(null)}
                    onSubmit={async (reason) => {
                      await client.removeMessage(message.id, reason)
                      setRemoved((ids) => new Set([...ids, message.id]))
                      done(`Message #${message.id} removed for everyone.`)
                    }}
                  />
                ) : (
                  <SuspendForm
                    id={`${formId}-suspend`}
                    client={client}
                    address={message.sender}
                    onCancel={() => setActing(null)}
                    onSuspended={(suspension) => done(`${shortAddress(suspension.address)} is suspended.`)}
                  />
                ))}
            </li>
          )
        })}
      </ol>
      {report.status === 'open' && (
        <section class="resolve" aria-labelledby="resolve-title">
          <h4 id="resolve-title">Resolve</h4>
          <ReasonForm
            id="resolve"
            label="Resolution"
            submitLabel="Resolve report"
            busyLabel="Resolving…"
            onSubmit={async (resolution) => {
              setReport(await client.resolveReport(report.id, resolution))
              done('Report resolved.')
            }}
          />
        </section>
      )}
    </article>
  )
}
