import { useState } from 'preact/hooks'
import { ReasonForm } from './moderation-forms.js'
import { Popover } from './popover.js'
import type { WebClient } from './session.js'

/** Reports the chat to the operators (docs/api.md §12), saying first what they will see of it. */
export function ReportAction({ client, uuid }: { client: WebClient; uuid: string }) {
  const [reported, setReported] = useState(false)
  return (
    <Popover label="Report" id="report-panel" onClose={() => setReported(false)}>
      {(close) =>
        reported ? (
          <>
            <p id="report-panel-title" role="status">
              Reported. Thank you: the operators will look at it.
            </p>
            <div class="actions">
              <button type="button" class="secondary" onClick={close}>
                Close
              </button>
            </div>
          </>
        ) : (
          <>
            <p id="report-panel-title">Report this chat? The operators will see its latest 20 messages as they are now, and nothing else of it.</p>
            <ReasonForm
              id="report"
              label="What is wrong"
              submitLabel="Send report"
              busyLabel="Sending…"
              onCancel={close}
              onSubmit={async (reason) => {
                await client.reportThread(uuid, { reason })
                setReported(true)
              }}
            />
          </>
        )
      }
    </Popover>
  )
}
