import { useState } from 'preact/hooks'
import { shortAddress } from './format.js'
import { Icon } from './icons.js'

/** A shortened address with a button that copies the whole one. */
export function Address({ address }: { address: string }) {
  return (
    <span class="address">
      <span title={address}>{shortAddress(address)}</span>
      <CopyButton text={address} label={`address ${address}`} />
    </span>
  )
}

const HUES = 8

/** A coloured disc with two letters of the address, to tell people apart at a glance. */
export function Avatar({ address }: { address: string }) {
  let hash = 7
  for (const char of address) hash = (hash * 31 + char.charCodeAt(0)) >>> 0
  return (
    <span class={`avatar hue-${hash % HUES}`} aria-hidden="true">
      {address.slice(1, 3)}
    </span>
  )
}

/** Copies `text`; `label` says what it is ("address R…") to screen readers. */
export function CopyButton({ text, label }: { text: string; label: string }) {
  const [copied, setCopied] = useState<boolean | null>(null)
  const copy = async () => {
    setCopied(await copyText(text))
    setTimeout(() => setCopied(null), 1500)
  }
  return (
    <button type="button" class="icon-button copy" onClick={copy} aria-label={`Copy ${label}`} title={`Copy ${label}`}>
      <Icon name={copied === true ? 'check' : copied === false ? 'cross' : 'copy'} />
      <span class="visually-hidden" role="status">
        {copied === true ? 'Copied' : copied === false ? 'Copy failed' : ''}
      </span>
    </button>
  )
}

/** The Clipboard API needs a secure context; plain-http LAN pages fall back to execCommand. */
export async function copyText(text: string): Promise<boolean> {
  try {
    await navigator.clipboard.writeText(text)
    return true
  } catch {
    const field = document.createElement('textarea')
    field.value = text
    field.setAttribute('readonly', '')
    field.className = 'offscreen'
    document.body.append(field)
    field.select()
    const done = document.execCommand('copy')
    field.remove()
    return done
  }
}
