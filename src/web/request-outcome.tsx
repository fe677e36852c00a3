/**
 * What a settings request came to, under its form: the server's refusal as an alert, and,
 * when the form reports success (`status`), a live region that says it went through.
 */
export function RequestOutcome({ error, status }: { error: string | null; status?: string }) {
  return (
    <>
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
      {status !== undefined && (
        <p class="muted" role="status">
          {status}
        </p>
      )}
    </>
  )
}
