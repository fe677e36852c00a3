import type { ComponentChildren } from 'preact'
import { useEffect, useRef, useState } from 'preact/hooks'

interface Props {
  /** The button's text. */
  label: string
  /** The panel's id; its accessible name is the element `${id}-title` inside it. */
  id: string
  /** Runs when the panel closes, to forget what it showed (an error). */
  onClose?: () => void
  /** The panel's content; `close` puts focus back on the button. */
  children: (close: () => void) => ComponentChildren
}

/**
 * A button that opens a small panel under it for a second step (a question, a short form):
 * focus moves into the panel, and Escape or the button again closes it.
 */
export function Popover({ label, id, onClose, children }: Props) {
  const [open, setOpen] = useState(false)
  const opener = useRef<HTMLButtonElement>(null)
  const panel = useRef<HTMLDivElement>(null)
  useEffect(() => {
    if (open) panel.current?.querySelector<HTMLElement>('button, textarea, input')?.focus()
  }, [open])

  const close = () => {
    setOpen(false)
    onClose?.()
    opener.current?.focus()
  }

  return (
    <div class="popover-action">
      <button type="button" class="secondary" ref={opener} aria-expanded={open} aria-controls={id} onClick={() => (open ? close() : setOpen(true))}>
        {label}
      </button>
      {open && (
        <div
          id={id}
          ref={panel}
          class="popover"
          role="group"
          aria-labelledby={`${id}-title`}
          onKeyDown={(event) => {
            if (event.key === 'Escape') close()
          }}
        >
          {children(close)}
        </div>
      )}
    </div>
  )
}
