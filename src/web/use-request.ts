import { useState } from 'preact/hooks'
import { errorText } from './session.js'

/** One request at a time from a button or a form, and what the server refused, if it did. */
export function useRequest() {
  const [busy, setBusy] = useState(false)
  const [error, setError] = useState<string | null>(null)
  /** Resolves true when the request went through. */
  const run = async (request: () => Promise<void>): Promise<boolean> => {
    setBusy(true)
    setError(null)
    try {
      await request()
      return true
    } catch (caught) {
      setError(errorText(caught))
      return false
    } finally {
      setBusy(false)
    }
  }
  return { busy, error, run, clear: () => setError(null) }
}
