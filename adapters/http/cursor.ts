import { Effect, Option, Schema } from "effect"
import type { SessionListPosition } from "../../application/ports/session-owners.ts"
import { InvalidCursor } from "../../domain/errors.ts"
import { SessionId } from "../../domain/ids.ts"
import type { TranscriptPosition } from "../../domain/transcript.ts"

/** Page cursors are opaque to callers: base64url of `ts:seq`. */
export const encodeCursor = (position: TranscriptPosition) =>
  Buffer.from(`${position.ts}:${position.seq}`).toString("base64url")

export const decodeCursor = (cursor: string | undefined) => {
  if (cursor === undefined) return Effect.succeed(Option.none<TranscriptPosition>())
  const match = /^(\d{1,16}):(\d{1,16})$/.exec(Buffer.from(cursor, "base64url").toString())
  return match === null
    ? Effect.fail(new InvalidCursor({ cursor }))
    : Effect.succeed(Option.some({ ts: Number(match[1]), seq: Number(match[2]) }))
}

/** Session list cursors too: base64url of `lastActivityAt:sessionId`. */
export const encodeSessionCursor = (position: SessionListPosition) =>
  Buffer.from(`${position.lastActivityAt}:${position.sessionId}`).toString("base64url")

const isSessionId = Schema.is(SessionId)

export const decodeSessionCursor = (cursor: string | undefined) => {
  if (cursor === undefined) return Effect.succeed(Option.none<SessionListPosition>())
  const match = /^(\d{1,16}):(.+)$/.exec(Buffer.from(cursor, "base64url").toString())
  return match === null || !isSessionId(match[2])
    ? Effect.fail(new InvalidCursor({ cursor }))
    : Effect.succeed(Option.some({ lastActivityAt: Number(match[1]), sessionId: match[2] }))
}
