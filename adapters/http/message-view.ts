import type { TranscriptItem } from "../../domain/transcript.ts"

/**
 * A stored item as the API shows it: `MessageView`'s fields in its order, built field by field so that
 * nothing else of the item (its content hash) can reach an answer, even one written as it is
 * (`encodedAsIs`).
 */
export const toMessageView = (item: TranscriptItem) => ({
  messageId: item.messageId,
  sessionId: item.sessionId,
  role: item.role,
  text: item.text,
  ts: item.ts,
  seq: item.seq,
  ...(item.groupId === undefined ? {} : { groupId: item.groupId }),
  ...(item.audioUrl === undefined ? {} : { audioUrl: item.audioUrl }),
  ...(item.status === undefined ? {} : { status: item.status }),
  ...(item.replaced === undefined ? {} : { replaced: item.replaced })
})
