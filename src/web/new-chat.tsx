import { useEffect, useState } from 'preact/hooks'
import type { Shop, Thread } from '../sdk/client.js'
import { isValidAddress } from '../core/vfx/address.js'
import { shortAddress } from './format.js'
import { PaneHeader } from './pane-header.js'
import type { PageConfig } from './page-config.js'
import { errorText, type WebClient } from './session.js'

interface Props {
  client: WebClient & { address: string }
  config: PageConfig
  onCreated: (thread: Thread) => void
}

const SEARCH_DELAY_MS = 250
const SHOP_RESULTS = 8
/** Every valid address has this many characters; shorter ones are still being typed. */
const ADDRESS_CHARS = 34

/** The addresses typed, split on commas, spaces or new lines. */
function addressesIn(text: string): { addresses: string[]; typing: string } {
  const parts = text.split(/[\s,;]+/)
  const typing = /[\s,;]$/.test(text) ? '' : (parts.pop() ?? '')
  return { addresses: parts.filter((part) => part !== ''), typing }
}

/** Start a chat with one or more addresses, optionally about a shop (whose owner joins). */
export function NewChat({ client, config, onCreated }: Props) {
  const me = client.address
  const [text, setText] = useState('')
  const [blurred, setBlurred] = useState(false)
  const [query, setQuery] = useState('')
  const [shops, setShops] = useState<Shop[] | null>(null)
  const [shop, setShop] = useState<Shop | null>(null)
  const [busy, setBusy] = useState(false)
  const [error, setError] = useState<string | null>(null)

  const { addresses, typing } = addressesIn(text)
  const entered = typing === '' ? addresses : [...addresses, typing]
  const valid = (address: string) => isValidAddress(address, config.network)
  // A half-typed address is judged once it is complete, or the field is left.
  const judged = blurred || typing.length >= ADDRESS_CHARS ? entered : addresses
  const invalid = judged.filter((address) => !valid(address))
  const others = [...new Set(entered)].filter((address) => address !== me)
  const shopOwnerJoins = shop !== null && shop.owner_address !== me
  const ready = entered.every(valid) && (others.length > 0 || shopOwnerJoins)

  useEffect(() => {
    if (query.trim() === '') return setShops(null)
    const timer = setTimeout(() => {
      client
        .listShops({ search: query.trim(), page_size: SHOP_RESULTS })
        .then((page) => setShops(page.results))
        .catch((caught: unknown) => setError(errorText(caught)))
    }, SEARCH_DELAY_MS)
    return () => clearTimeout(timer)
  }, [client, query])

  const start = async (event: Event) => {
    event.preventDefault()
    setBlurred(true)
    if (!ready) return
    setBusy(true)
    setError(null)
    try {
      const { thread } = await client.createThread({ participants: [me, ...others], shop_id: shop?.id })
      onCreated(thread)
    } catch (caught) {
      setError(errorText(caught))
      setBusy(false)
    }
  }

  const networkHint = config.network === 'mainnet' ? 'R… (or xRBX…)' : 'x…'
  return (
    <section class="new-chat" aria-labelledby="new-chat-title">
      <PaneHeader>
        <h2 id="new-chat-title">New chat</h2>
      </PaneHeader>
      <form class="form" onSubmit={start} noValidate>
        <label for="participants">Addresses</label>
        <textarea
          id="participants"
          class="mono"
          rows={2}
          placeholder={`${networkHint}, one or more, separated by commas or spaces`}
          value={text}
          spellcheck={false}
          autoComplete="off"
          aria-describedby="participants-hint participants-error"
          aria-invalid={invalid.length > 0 ? true : undefined}
          onInput={(e) => {
            setText(e.currentTarget.value)
            setBlurred(false)
          }}
          onBlur={() => setBlurred(true)}
        />
        <p id="participants-hint" class="hint">
          Who to talk to, by VFX address ({config.network}). You are added automatically.
        </p>
        <p id="participants-error" class="error" role="alert">
          {invalid.length > 0 &&
            `${invalid.map((a) => `“${a.length > 40 ? `${a.slice(0, 40)}…` : a}”`).join(', ')} ${invalid.length > 1 ? 'are not valid VFX addresses' : 'is not a valid VFX address'}.`}
        </p>

        <label for="shop-search">About a shop (optional)</label>
        {shop ? (
          <div class="chosen-shop">
            <span class="shop-badge">{shop.name}</span>
            <span class="muted">
              {shop.url} · owner {shortAddress(shop.owner_address)}
            </span>
            <button type="button" class="link-button" onClick={() => setShop(null)}>
              Remove
            </button>
          </div>
        ) : (
          <>
            <input
              id="shop-search"
              type="search"
              placeholder="Search shops by name"
              value={query}
              autoComplete="off"
              aria-controls="shop-results"
              onInput={(e) => setQuery(e.currentTarget.value)}
            />
            <ul id="shop-results" class="shop-results" aria-label="Shops found">
              {shops?.length === 0 && <li class="hint">No shop matches “{query}”.</li>}
              {shops?.map((found) => (
                <li key={found.id}>
                  <button
                    type="button"
                    class="shop-choice"
                    onClick={() => {
                      setShop(found)
                      setQuery('')
                    }}
                  >
                    <span class="shop-badge">{found.name}</span> <span class="muted">{found.url}</span>
                  </button>
                </li>
              ))}
            </ul>
          </>
        )}
        <p class="hint">The shop's owner joins the chat.</p>
        {error && (
          <p class="error" role="alert">
            {error}
          </p>
        )}
        <button type="submit" class="primary" disabled={busy || !ready}>
          {busy ? 'Starting…' : 'Start chat'}
        </button>
      </form>
    </section>
  )
}
