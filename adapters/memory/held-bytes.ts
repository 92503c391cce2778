import type { TranscriptItem } from "../../domain/transcript.ts"

/**
 * What a transcript item costs the heap beyond its strings' characters: the object, its map entry and
 * array slot, the string headers. Measured on Node 24 with 20,000 short items in sessions of 100
 * (375 bytes each), rounded up.
 */
export const ITEM_OVERHEAD_BYTES = 400

/** What a session costs beyond its items: its entry, its map of message ids, its key (measured ~280). */
export const SESSION_OVERHEAD_BYTES = 300

/** Characters V8 cannot store in one byte: a string holding any of them takes two bytes per character. */
const TWO_BYTE = /[\u0100-\uffff]/

/** The bytes V8 holds for a string's characters: one each for Latin-1 text, else two. */
export const stringBytes = (text: string) => (TWO_BYTE.test(text) ? 2 : 1) * text.length

/** The heap an item holds: its strings' characters and a fixed allowance for the rest. */
export const itemBytes = (item: TranscriptItem) =>
  ITEM_OVERHEAD_BYTES +
  stringBytes(item.messageId) +
  stringBytes(item.role) +
  stringBytes(item.text) +
  stringBytes(item.contentHash) +
  stringBytes(item.groupId ?? "") +
  stringBytes(item.audioUrl ?? "") +
  stringBytes(item.status ?? "")
