import type { ComponentChildren } from 'preact'
import { useState } from 'preact/hooks'
import type { Suspension } from '../sdk/client.js'
import type { WebClient } from './session.js'
import { useRequest } from './use-request.js'

/** The server's limit on a reason or a resolution (docs/api.md §12). */
const REASON_MAX = 1000

interface ReasonFormProps {
  /** Prefix of the fields' ids: unique on the page. */
  id: string
  label: string
  submitLabel: string
  busyLabel: string
  /** The action cannot be undone (a removal, a suspension). */
  danger?: boolean
  onSubmit: (reason: string) => Promise<void>
  onCancel?: () => void
  /** Fields the action needs besides its reason, above it. */
  children?: ComponentChildren
}

/** A moderator's action and the words the audit log keeps for it; the server's refusal shows in place. */
export function ReasonForm({ id, label, submitLabel, busyLabel, danger, onSubmit, onCancel, children }: ReasonFormProps) {
  const [reason, setReason] = useState('')
  const { busy, error, run } = useRequest()
  const blank = reason.trim() === ''
  return (
    <form
      class="reason-form"
      aria-label={submitLabel}
      onSubmit={async (event) => {
        event.preventDefault()
        if (!blank && (await run(() => onSubmit(reason.trim())))) setReason('')
      }}
    >
      {children}
      <label for={`${id}-reason`}>{label}</label>
      <textarea
        id={`${id}-reason`}
        rows={2}
        maxLength={REASON_MAX}
        value={reason}
        aria-invalid={error ? true : undefined}
        aria-describedby={error ? `${id}-error` : undefined}
        onInput={(event) => setReason(event.currentTarget.value)}
      />
      {error && (
        <p id={`${id}-error`} class="error" role="alert">
          {error}
        </p>
      )}
      <div class="actions">
        {onCancel && (
          <button type="button" class="secondary" onClick={onCancel}>
            Cancel
          </button>
        )}
        <button type="submit" class={danger ? 'danger' : 'primary'} disabled={busy || blank}>
          {busy ? busyLabel : submitLabel}
        </button>
      </div>
    </form>
  )
}

interface SuspendFormProps {
  id: string
  client: WebClient
  /** The address to suspend; without it, the form asks for one. */
  address?: string
  onSuspended: (suspension: Suspension) => void
  onCancel?: () => void
}

/** Suspends an address, for good or until a time (the page's local time, sent as UTC). */
export function SuspendForm({ id, client, address, onSuspended, onCancel }: SuspendFormProps) {
  const [typed, setTyped] = useState('')
  const [until, setUntil] = useState('')
  const suspend = async (reason: string) => {
    const suspension = await client.suspend({
      address: address ?? typed.trim(),
      reason,
      until: until === '' ? undefined : new Date(until).toISOString(),
    })
    setTyped('')
    setUntil('')
    onSuspended(suspension)
  }
  return (
    <ReasonForm id={id} label="Reason" submitLabel="Suspend" busyLabel="Suspending…" danger onSubmit={suspend} onCancel={onCancel}>
      {address === undefined && (
        <>
          <label for={`${id}-address`}>Address</label>
          <input id={`${id}-address`} class="mono" autocomplete="off" spellcheck={false} value={typed} onInput={(event) => setTyped(event.currentTarget.value)} />
        </>
      )}
      <label for={`${id}-until`}>
        Until <span class="muted">(optional: without it, until lifted)</span>
      </label>
      <input id={`${id}-until`} type="datetime-local" value={until} onInput={(event) => setUntil(event.currentTarget.value)} />
    </ReasonForm>
  )
}
