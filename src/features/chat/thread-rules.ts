import { Invalid } from '../../core/errors.js'

export const MIN_PARTICIPANTS = 2
export const MAX_PARTICIPANTS = 50

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i

export function isUuid(value: string): boolean {
  return UUID.test(value)
}

/**
 * The identity of a thread: its participant *set* plus its shop. Sorting makes the key
 * independent of the order participants were named in.
 */
export function threadKey(participants: readonly string[], shopId: number | null): string {
  return `${[...participants].sort().join(',')}#${shopId ?? ''}`
}

/** A shop's owner always takes part in the shop's threads; joins last when absent. */
export function withShopOwner(participants: readonly string[], owner: string | null): string[] {
  return owner === null || participants.includes(owner) ? [...participants] : [...participants, owner]
}

/** Checks the size and distinctness of a complete participant list. */
export function checkParticipantCount(participants: readonly string[], field = 'participants'): void {
  if (new Set(participants).size !== participants.length) {
    throw new Invalid(field, 'Participants must be distinct addresses.')
  }
  if (participants.length < MIN_PARTICIPANTS || participants.length > MAX_PARTICIPANTS) {
    throw new Invalid(field, `A thread has between ${MIN_PARTICIPANTS} and ${MAX_PARTICIPANTS} participants.`)
  }
}

/** Message text: at least one visible character, at most `maxLength` code points, kept as sent. */
export function checkContent(content: string, maxLength: number, field = 'content', blankAllowed = false): void {
  if (!blankAllowed && !/\S/u.test(content)) throw new Invalid(field, 'This field may not be blank.')
  let codePoints = 0
  for (const _ of content) {
    if (++codePoints > maxLength) {
      throw new Invalid(field, `Ensure this field has no more than ${maxLength} characters.`)
    }
  }
}

/**
 * A message is read once every participant other than its sender has a read marker at or
 * past it. `readMarkers` maps each participant to its last read message id.
 */
export function isRead(messageId: number, sender: string, readMarkers: ReadonlyMap<string, number>): boolean {
  for (const [address, lastReadId] of readMarkers) {
    if (address !== sender && lastReadId < messageId) return false
  }
  return true
}
