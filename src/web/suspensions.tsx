import { useRef, useState } from 'preact/hooks'
import { Address } from './address.js'
import { fullTime, relativeTime, shortAddress } from './format.js'
import { SuspendForm } from './moderation-forms.js'
import { PagedItems } from './paged-items.js'
import type { WebClient } from './session.js'
import { PAGE_SIZE, usePagedList } from './use-paged-list.js'
import { useRequest } from './use-request.js'

/** Suspending any address, and the suspensions in force, each with a way to lift it. */
export function Suspensions({ client, now }: { client: WebClient; now: number }) {
  const list = usePagedList((page) => client.listSuspensions({ page, page_size: PAGE_SIZE }), [client])
  const [status, setStatus] = useState('')
  const { busy, error, run } = useRequest()
  const title = useRef<HTMLHeadingElement>(null)

  const lift = (address: string) =>
    run(async () => {
      await client.liftSuspension(address)
      setStatus(`Lifted the suspension of ${shortAddress(address)}.`)
      list.reload()
      // Its row goes; the heading keeps the keyboard's place.
      title.current?.focus()
    })

  return (
    <>
      <section aria-labelledby="suspend-title">
        <h3 id="suspend-title">Suspend an address</h3>
        <p class="hint">Its sessions end at once, and it cannot sign in until the suspension is lifted or runs out.</p>
        <SuspendForm
          id="suspend"
          client={client}
          onSuspended={(suspension) => {
            setStatus(`${shortAddress(suspension.address)} is suspended.`)
            list.reload()
          }}
        />
      </section>
      <section aria-labelledby="suspensions-title">
        <h3 id="suspensions-title" ref={title} tabIndex={-1}>
          In force
        </h3>
        <p class="muted" role="status">
          {status}
        </p>
        {error && (
          <p class="error" role="alert">
            {error}
          </p>
        )}
        <PagedItems list={list} empty="Nobody is suspended." label="Suspension pages">
          {(suspensions) => (
            <ul class="block-list" aria-label="Suspensions in force">
              {suspensions.map((suspension) => (
                <li key={suspension.id} class="block-item suspension">
                  <Address address={suspension.address} />
                  <span class="muted">
                    {suspension.until ? `until ${fullTime(suspension.until)}` : 'until lifted'} · by{' '}
                    <span title={suspension.suspended_by}>{shortAddress(suspension.suspended_by)}</span>{' '}
                    <time dateTime={suspension.created_at} title={fullTime(suspension.created_at)}>
                      {relativeTime(suspension.created_at, now)}
                    </time>
                  </span>
                  <button type="button" class="secondary" aria-label={`Lift the suspension of ${suspension.address}`} disabled={busy} onClick={() => void lift(suspension.address)}>
                    Lift
                  </button>
                  <p class="suspension-reason">{suspension.reason}</p>
                </li>
              ))}
            </ul>
          )}
        </PagedItems>
      </section>
    </>
  )
}
