import { useEffect, useRef, useState } from 'preact/hooks'
import { ApiError, type Block } from '../sdk/client.js'
import { errorText, type WebClient } from './session.js'

/** The server's largest page; a block list rarely fills one. */
const PAGE_SIZE = 100

export interface Blocks {
  /** The addresses the caller blocked, most recent first; null until loaded. */
  list: Block[] | null
  error: string | null
  has(address: string): boolean
  /** Throws what the server refused, for the caller to show where it was asked. */
  block(address: string): Promise<void>
  unblock(address: string): Promise<void>
}

/**
 * The signed-in address's blocks. No event reports them, so the list is loaded once and kept
 * by this page's own changes; `onChange` runs after each, since a block hides threads from
 * the inbox and an unblock brings them back.
 */
export function useBlocks(client: WebClient, onChange: () => void): Blocks {
  const [list, setList] = useState<Block[] | null>(null)
  const [error, setError] = useState<string | null>(null)
  const changed = useRef(onChange)
  changed.current = onChange

  useEffect(() => {
    let closed = false
    const load = async () => {
      const blocks: Block[] = []
      for (let page = 1; ; page++) {
        const answer = await client.listBlocks({ page, page_size: PAGE_SIZE })
        blocks.push(...answer.results)
        if (!answer.next) return blocks
      }
    }
    load().then(
      (blocks) => {
        if (!closed) setList(blocks)
      },
      (caught: unknown) => {
        if (!closed) setError(errorText(caught))
      },
    )
    return () => {
      closed = true
    }
  }, [client])

  return {
    list,
    error,
    has: (address) => list?.some((block) => block.address === address) ?? false,
    async block(address) {
      const { block } = await client.block(address)
      setList((blocks) => [block, ...(blocks ?? []).filter((b) => b.address !== address)])
      changed.current()
    },
    async unblock(address) {
      try {
        await client.unblock(address)
      } catch (caught) {
        // Not blocked (404) is what was asked for: another tab got there first.
        if (!(caught instanceof ApiError && caught.status === 404)) throw caught
      }
      setList((blocks) => (blocks ?? []).filter((b) => b.address !== address))
      changed.current()
    },
  }
}
