import { useEffect, useRef, useState } from 'preact/hooks'
import { codePoints } from './format.js'

interface Props {
  maxLength: number
  onSend: (content: string) => void
  onTyping: () => void
  disabled?: boolean
}

/** The counter appears when this many code points are left. */
const COUNTER_MARGIN = 500

/** Enter sends, Shift+Enter starts a new line; the limit is the server's, in code points. */
export function Composer({ maxLength, onSend, onTyping, disabled }: Props) {
  const [text, setText] = useState('')
  const field = useRef<HTMLTextAreaElement>(null)
  const length = codePoints(text)
  const over = length > maxLength
  const blank = !/\S/u.test(text)
  useEffect(() => field.current?.focus(), [])

  const send = () => {
    if (blank || over || disabled) return
    onSend(text)
    setText('')
    field.current?.focus()
  }

  return (
    <form
      class="composer"
      onSubmit={(event) => {
        event.preventDefault()
        send()
      }}
    >
      <label for="composer-text" class="visually-hidden">
        Message
      </label>
      <textarea
        id="composer-text"
        ref={field}
        rows={1}
        placeholder="Write a message…"
        value={text}
        aria-describedby="composer-help composer-count"
        aria-invalid={over ? true : undefined}
        onInput={(event) => {
          setText(event.currentTarget.value)
          onTyping()
        }}
        onKeyDown={(event) => {
          if (event.key === 'Enter' && !event.shiftKey && !event.isComposing) {
            event.preventDefault()
            send()
          }
        }}
      />
      <span id="composer-help" class="visually-hidden">
        Enter sends, Shift+Enter adds a new line.
      </span>
      <span id="composer-count" class={`counter${over ? ' over' : ''}`} aria-live="polite">
        {length >= maxLength - COUNTER_MARGIN ? `${length} / ${maxLength}` : ''}
      </span>
      <button type="submit" class="primary send" disabled={blank || over || disabled}>
        Send
      </button>
    </form>
  )
}
