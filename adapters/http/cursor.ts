import { Effect, Option } from "effect"
import { InvalidCursor } from "../../domain/errors.ts"
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
