import type { Attachment } from '../sdk/client.js'
import { fileSize } from './format.js'
import { Icon } from './icons.js'

/** The longest side a thumbnail is shown at; the server's are at most 320 px, sharp at this size. */
const THUMBNAIL_PX = 240

/** Known before the picture loads, so the list does not jump (and lose the bottom) when it does. */
function shownSize({ width, height }: Attachment): { width?: number; height?: number } {
  if (!width || !height) return {}
  const scale = Math.min(1, THUMBNAIL_PX / Math.max(width, height))
  return { width: Math.round(width * scale), height: Math.round(height * scale) }
}

/**
 * A message's attachments: a picture as its thumbnail, opening the full picture; any other file
 * as a download. The page is served from the API's origin, so the server's signed paths load as
 * they are, without the token.
 */
export function AttachmentList({ attachments }: { attachments: readonly Attachment[] }) {
  return (
    <ul class="attachments">
      {attachments.map((attachment) => (
        <li key={attachment.id}>
          {attachment.kind === 'image' && attachment.thumbnail_url ? (
            <a class="attachment-image" href={attachment.url} target="_blank" rel="noopener" title={`Open ${attachment.name}`}>
              <img src={attachment.thumbnail_url} alt={attachment.name} {...shownSize(attachment)} loading="lazy" />
            </a>
          ) : (
            <a class="attachment-file" href={attachment.url} download={attachment.name}>
              <Icon name="file" />
              <span class="attachment-name">{attachment.name}</span>
              <span class="attachment-size">{fileSize(attachment.size)}</span>
            </a>
          )}
        </li>
      ))}
    </ul>
  )
}
