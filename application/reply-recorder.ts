import {
  Clock,
  Config,
  Context,
  Deferred,
  Duration,
  Effect,
  Either,
  Fiber,
  Layer,
  Option,
  Schedule
} from "effect"
import type { GroupId, MessageId, SessionId, UserId } from "../domain/ids.ts"
import { contentOf, type MessageStatus } from "../domain/transcript.ts"
import { type EndedTurn, replyStatus } from "./chat-turn.ts"
import { duration } from "./config-values.ts"
import { toTranscriptItem } from "./ingest-message.ts"
import { replySavesBy, updateMetric } from "./metrics.ts"
import { Hashing } from "./ports/hashing.ts"
import { SessionMemory } from "./ports/session-memory.ts"
import { TranscriptStore } from "./ports/transcript-store.ts"
import { RecordTranscriptItem } from "./record-transcript-item.ts"
import { resolvePersistence } from "./resolve-persistence.ts"
import { withSessionPersistence } from "./session-persistence.ts"

/** What `ReplySettings.layerConfig` reads. */
export const config = Config.all({
  saveInterval: duration("REPLY_SAVE_INTERVAL_MS", 1000),
  lease: duration("REPLY_LEASE_MS", 30_000)
}).pipe(
  Config.validate({
    message: "REPLY_LEASE_MS must be at least 4 times REPLY_SAVE_INTERVAL_MS",
    validation: ({ saveInterval, lease }) => Duration.toMillis(lease) >= 4 * Duration.toMillis(saveInterval)
  })
)

/** How a streaming reply is kept safe from a crash of the process writing it. */
export class ReplySettings extends Context.Tag("coachup/ReplySettings")<
  ReplySettings,
  {
    /** The reply's text is saved this often while it grows: at most this much of it is lost in a crash. */
    readonly saveInterval: Duration.Duration
    /** A reply not saved for this long counts as abandoned by its writer (renewed before half of it passes). */
    readonly lease: Duration.Duration
  }
>() {
  static readonly layerConfig = Layer.effect(ReplySettings, config)
}

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

/** What the recorder waits for, the turn's end; and the text so far. */
export interface ReplySignals {
  readonly ended: Deferred.Deferred<EndedTurn>
  readonly textSoFar: Effect.Effect<string>
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

const countSave = (outcome: "saved" | "not_in_progress" | "failed") => updateMetric(replySavesBy(outcome), 1)

/**
 * Saves the reply's text every REPLY_SAVE_INTERVAL_MS while it grows, renewing the writer's lease on
 * it (also when the text has not grown, before half the lease has passed), until interrupted. Each
 * save decides privacy again, so an opted-out session's text is never saved; a session deleted since
 * the turn began is not written to. A failed save is logged and counted: the next one may land, and
 * the turn goes on.
 */
const saveProgress = Effect.fnUntraced(function* (
  reply: Reply,
  signals: ReplySignals,
  deletedSinceStart: Effect.Effect<boolean>
) {
  const { saveInterval, lease } = yield* ReplySettings
  const store = yield* TranscriptStore
  const hashing = yield* Hashing
  const leaseMillis = Duration.toMillis(lease)
  // The in-progress row is written with no text and no lease.
  let saved = { text: "", leaseUntil: Number.NEGATIVE_INFINITY }
  const saveOnce = Effect.gen(function* () {
    const text = yield* signals.textSoFar
    const now = yield* Clock.currentTimeMillis
    if (text === saved.text && now < saved.leaseUntil - leaseMillis / 2) return
    if (yield* deletedSinceStart) return
    const policy = yield* Effect.either(resolvePersistence(reply.userId, reply.sessionId))
    if (Either.isLeft(policy) || !policy.right.persist) return
    const progress = {
      sessionId: reply.sessionId,
      messageId: reply.messageId,
      text,
      contentHash: hashing.digest(contentOf({ role: "assistant", text })),
      leaseUntil: now + leaseMillis
    }
    const result = yield* Effect.either(store.saveReplyText(progress))
    if (Either.isLeft(result)) {
      yield* countSave("failed")
      yield* Effect.logWarning("reply text not saved").pipe(
        Effect.annotateLogs({ operation: result.left.operation, reason: result.left.reason })
      )
    } else if (result.right) {
      saved = { text, leaseUntil: progress.leaseUntil }
      yield* countSave("saved")
    } else yield* countSave("not_in_progress")
  })
  // At a fixed rate from the row's write, so that a slow save does not push the later ones back.
  yield* Effect.sleep(saveInterval)
  yield* Effect.repeat(saveOnce, Schedule.fixed(saveInterval))
})

/**
 * The reply's rows, written in order by one fiber, started once the first text is out so that it does
 * not compete with it: the `in_progress` row (no text); the text so far, saved into that row as it grows
 * (`saveProgress`); then, when the turn ends, the final record — `completed`, or `incomplete` with the
 * text so far — which `finishReply` puts in the row's place. A session deleted since the turn began
 * gets none of them. The final record decides privacy again: a session opted out while its reply
 * streamed keeps the reply in memory only. Answers the ended turn.
 */
export const recordReply = Effect.fnUntraced(function* (reply: Reply, signals: ReplySignals) {
  const memory = yield* SessionMemory
  const deletedSinceStart = memory.deletedSince(reply.sessionId, reply.startedAt)
  const saving = (yield* deletedSinceStart)
    ? Option.none()
    : yield* Effect.gen(function* () {
        const inProgress = yield* replyItem(reply, "", "in_progress")
        yield* Effect.ignore(RecordTranscriptItem(inProgress, reply.userId, "append"))
        return Option.some(yield* Effect.fork(saveProgress(reply, signals, deletedSinceStart)))
      })
  const turn = yield* Deferred.await(signals.ended)
  if (Option.isSome(saving)) yield* Fiber.interrupt(saving.value)
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
