import { Deferred, Effect, Option } from "effect"
import type { GroupId, MessageId, SessionId, UserId } from "../domain/ids.ts"
import type { MessageStatus } from "../domain/transcript.ts"
import { type EndedTurn, replyStatus } from "./chat-turn.ts"
import { toTranscriptItem } from "./ingest-message.ts"
import { SessionMemory } from "./ports/session-memory.ts"
import { RecordTranscriptItem } from "./record-transcript-item.ts"
import { withSessionPersistence } from "./session-persistence.ts"

/** The reply a turn streams, as the transcript knows it. */
export interface Reply {
  readonly userId: UserId
  readonly sessionId: SessionId
  readonly groupId: Option.Option<GroupId>
  /** The id the reply is stored under, announced before its first text. */
  readonly messageId: MessageId
  /** No earlier than its prompt's, so that it follows the prompt whatever the clocks did. */
  readonly ts: number
  /** When the turn began: a session deleted since then stays deleted. */
  readonly startedAt: number
}

/** What the recorder waits for: the turn's first text gone out, then the turn's end. */
export interface ReplySignals {
  readonly firstTextOut: Effect.Latch
  readonly ended: Deferred.Deferred<EndedTurn>
}

const replyItem = (reply: Reply, text: string, status: MessageStatus) =>
  toTranscriptItem({
    userId: reply.userId,
    sessionId: reply.sessionId,
    messageId: reply.messageId,
    role: "assistant",
    text,
    status,
    ts: Option.some(reply.ts),
    groupId: reply.groupId,
    audioUrl: Option.none()
  })

/**
 * The reply's rows, written in order by one fiber: the `in_progress` row (no text) once the first
 * text is out, so that it does not compete with it; then, when the turn ends, the final record —
 * `completed`, or `incomplete` with the text so far — which `finishReply` puts in the row's place.
 * A session deleted since the turn began gets neither. The final record decides privacy again: a
 * session opted out while its reply streamed keeps the reply in memory only. Answers the ended turn.
 */
export const recordReply = Effect.fnUntraced(function* (reply: Reply, signals: ReplySignals) {
  const memory = yield* SessionMemory
  const deletedSinceStart = memory.deletedSince(reply.sessionId, reply.startedAt)
  yield* signals.firstTextOut.await
  if (!(yield* deletedSinceStart)) {
    const inProgress = yield* replyItem(reply, "", "in_progress")
    yield* Effect.ignore(RecordTranscriptItem(inProgress, reply.userId, "append"))
  }
  const turn = yield* Deferred.await(signals.ended)
  if (yield* deletedSinceStart) {
    yield* Effect.logInfo("session deleted during the turn; reply not recorded")
    return turn
  }
  const item = yield* replyItem(reply, turn.text, replyStatus(turn.outcome))
  yield* RecordTranscriptItem(item, reply.userId, "finishReply").pipe(
    withSessionPersistence(reply.userId, reply.sessionId),
    Effect.catchAll((error) =>
      Effect.logWarning("reply not recorded").pipe(Effect.annotateLogs({ error: error._tag }))
    )
  )
  return turn
})
