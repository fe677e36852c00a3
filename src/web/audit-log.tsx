import type { AuditEntry } from '../sdk/client.js'
import { fullTime, relativeTime, shortAddress } from './format.js'
import { PagedItems } from './paged-items.js'
import type { WebClient } from './session.js'
import { PAGE_SIZE, usePagedList } from './use-paged-list.js'

const ACTIONS: Record<AuditEntry['action'], string> = {
  report_resolved: 'Resolved a report',
  suspended: 'Suspended',
  suspension_lifted: 'Lifted a suspension',
  message_removed: 'Removed a message',
}

/** What the action was done to, in the words of the contract: a report, an address or a message. */
function Target({ entry }: { entry: AuditEntry }) {
  if (entry.action === 'report_resolved') return <a href={`#/moderation/reports/${entry.target}`}>Report #{entry.target}</a>
  if (entry.action === 'message_removed') return <>Message #{entry.target}</>
  return (
    <span class="mono" title={entry.target}>
      {shortAddress(entry.target)}
    </span>
  )
}

/** The moderators' actions, newest first, as the append-only log keeps them. */
export function AuditLog({ client, now }: { client: WebClient; now: number }) {
  const list = usePagedList((page) => client.auditLog({ page, page_size: PAGE_SIZE }), [client])
  return (
    <PagedItems list={list} empty="No moderator has acted yet." label="Audit log pages">
      {(entries) => (
        <div class="table-scroll">
          <table class="audit">
            <caption class="visually-hidden">Audit log, newest first</caption>
            <thead>
              <tr>
                <th scope="col">When</th>
                <th scope="col">Moderator</th>
                <th scope="col">Action</th>
                <th scope="col">Target</th>
                <th scope="col">Details</th>
              </tr>
            </thead>
            <tbody>
              {entries.map((entry) => (
                <tr key={entry.id}>
                  <td>
                    <time dateTime={entry.created_at} title={fullTime(entry.created_at)}>
                      {relativeTime(entry.created_at, now)}
                    </time>
                  </td>
                  <td class="mono" title={entry.moderator}>
                    {shortAddress(entry.moderator)}
                  </td>
                  <td>{ACTIONS[entry.action]}</td>
                  <td>
                    <Target entry={entry} />
                  </td>
                  <td>
                    <dl class="details">
                      {Object.entries(entry.details)
                        .filter(([, value]) => value !== null)
                        .map(([name, value]) => (
                          <div key={name}>
                            <dt>{name.replace('_', ' ')}</dt>
                            <dd>{value}</dd>
                          </div>
                        ))}
                    </dl>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </PagedItems>
  )
}
