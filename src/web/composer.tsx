import { useEffect, useRef, useState } from 'preact/hooks'
import type { Attachment } from '../sdk/client.js'
import { codePoints, fileSize } from './format.js'
import { Icon } from './icons.js'
import type { Upload, Uploads } from './use-uploads.js'

interface Props {
  maxLength: number
  uploads: Uploads
  onSend: (content: string, attachments: Attachment[]) => void
  onTyping: () => void
  disabled?: boolean
  /** Why sending here fails, said above the field. */
  notice?: string | null
}

/** The counter appears when this many code points are left. */
const COUNTER_MARGIN = 500

/**
 * Enter sends, Shift+Enter starts a new line; the limit is the server's, in code points.
 * Files come by the attach button or a pasted image; a message may be files alone, once
 * every chosen file has finished uploading.
 */
export function Composer({ maxLength, uploads, onSend, onTyping, disabled, notice }: Props) {
  const [text, setText] = useState('')
  const field = useRef<HTMLTextAreaElement>(null)
  const picker = useRef<HTMLInputElement>(null)
  const length = codePoints(text)
  const over = length > maxLength
  const blank = !/\S/u.test(text)
  const uploaded = uploads.list.some((upload) => upload.attachment)
  const uploading = uploads.list.some((upload) => !upload.attachment && !upload.failed)
  const sendable = (!blank || uploaded) && !over && !uploading && !disabled
  useEffect(() => field.current?.focus(), [])

  const send = () => {
    if (!sendable) return
    onSend(blank ? '' : text, uploads.take())
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
      <p id="composer-notice" class="composer-notice" role="status">
        {notice}
      </p>
      {(uploads.list.length > 0 || uploads.notice) && (
        <div class="uploads">
          <ul class="upload-list" aria-label="Files to send">
            {uploads.list.map((upload) => (
              <UploadItem key={upload.key} upload={upload} onRemove={() => uploads.remove(upload.key)} />
            ))}
          </ul>
          {uploads.notice && (
            <p class="error" role="alert">
              {uploads.notice}
            </p>
          )}
        </div>
      )}
      <input
        type="file"
        multiple
        ref={picker}
        class="visually-hidden"
        tabIndex={-1}
        aria-hidden="true"
        onChange={(event) => {
          uploads.add([...(event.currentTarget.files ?? [])])
          // Choosing the same file again must fire `change` again.
          event.currentTarget.value = ''
        }}
      />
      <button
        type="button"
        class="icon-button attach"
        aria-label="Attach files"
        title="Attach files"
        disabled={disabled}
        onClick={() => picker.current?.click()}
      >
        <Icon name="paperclip" />
      </button>
      <label for="composer-text" class="visually-hidden">
        Message
      </label>
      <textarea
        id="composer-text"
        ref={field}
        rows={1}
        placeholder="Write a message…"
        value={text}
        aria-describedby="composer-notice composer-help composer-count"
        aria-invalid={over ? true : undefined}
        onInput={(event) => {
          setText(event.currentTarget.value)
          onTyping()
        }}
        onPaste={(event) => {
          const images = [...(event.clipboardData?.files ?? [])].filter((file) => file.type.startsWith('image/'))
          if (images.length === 0) return
          event.preventDefault()
          uploads.add(images)
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
      <button type="submit" class="primary send" disabled={!sendable}>
        Send
      </button>
    </form>
  )
}

function UploadItem({ upload, onRemove }: { upload: Upload; onRemove: () => void }) {
  const { name, attachment, failed } = upload
  return (
    <li class={`upload${failed ? ' failed' : ''}`}>
      {attachment?.thumbnail_url ? <img class="upload-thumbnail" src={attachment.thumbnail_url} alt="" /> : <Icon name="file" />}
      <span class="upload-name" title={name}>
        {name}
      </span>
      {failed ? (
        <span class="upload-error" role="alert">
          {failed}
        </span>
      ) : attachment ? (
        <span class="upload-size">{fileSize(attachment.size)}</span>
      ) : (
        <progress value={upload.sent} max={Math.max(upload.total, 1)} aria-label={`Uploading ${name}`} />
      )}
      <button type="button" class="icon-button" aria-label={`Remove ${name}`} title="Remove" onClick={onRemove}>
        <Icon name="cross" />
      </button>
    </li>
  )
}
