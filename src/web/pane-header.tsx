import type { ComponentChildren } from 'preact'
import { Icon } from './icons.js'

/** The top of the right-hand pane; on narrow screens its arrow leads back to the chats. */
export function PaneHeader({ children }: { children: ComponentChildren }) {
  return (
    <header class="conversation-header">
      <a href="#/" class="back" aria-label="Back to chats">
        <Icon name="back" />
      </a>
      {children}
    </header>
  )
}
