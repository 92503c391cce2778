import { Clock, Effect, Layer, Option, Redacted, Schema } from "effect"
import { drainBatches } from "../../application/ports/store-calls.ts"
import { applyTranscriptWrite, TranscriptStore } from "../../application/ports/transcript-store.ts"
import { type NewTranscriptItem, pageOf, TranscriptItem } from "../../domain/transcript.ts"
import { call, callDecoded, ConvexBackend } from "./backend.ts"
import { api } from "./functions/_generated/api.js"

/** What the append and finishReply functions answer: their plan, as written. */
const decodeWrite = Schema.decodeUnknownSync(
  Schema.Union(
    Schema.TaggedStruct("Duplicate", { existing: TranscriptItem }),
    Schema.TaggedStruct("Conflict", { existing: TranscriptItem }),
    Schema.TaggedStruct("Insert", { item: TranscriptItem }),
    Schema.TaggedStruct("Replace", { item: TranscriptItem }),
    Schema.TaggedStruct("Deleted", {})
  )
)
const decodeItems = Schema.decodeUnknownSync(Schema.Array(TranscriptItem))
/** What the `reply` and `latestReply` queries answer. */
export const decodeStoredReply = Schema.decodeUnknownSync(
  Schema.OptionFromNullOr(
    Schema.Struct({ item: TranscriptItem, leaseUntil: Schema.OptionFromNullOr(Schema.Number) })
  )
)
const decodeSaved = Schema.decodeUnknownSync(Schema.Boolean)
const decodeFinished = Schema.decodeUnknownSync(
  Schema.Struct({ finished: Schema.Number, more: Schema.Boolean })
)
/** The function wrote the item already, as its answer says. */
const appendResultOf = (answer: unknown) => applyTranscriptWrite(decodeWrite(answer), (item) => item)

/** Convex validators reject `undefined` fields: send only the ones present. */
const toArgs = (item: NewTranscriptItem) => ({
  sessionId: item.sessionId,
  messageId: item.messageId,
  role: item.role,
  text: item.text,
  contentHash: item.contentHash,
  ts: item.ts,
  ...(item.groupId === undefined ? {} : { groupId: item.groupId }),
  ...(item.audioUrl === undefined ? {} : { audioUrl: item.audioUrl }),
  ...(item.status === undefined ? {} : { status: item.status })
})

/** `TranscriptStore` on Convex: every rule runs inside the deployment's serializable mutations. */
export const make = Effect.gen(function* () {
  const { caller, secret: redacted } = yield* ConvexBackend
  const secret = Redacted.value(redacted)
  return TranscriptStore.of({
    append: (item) =>
      Effect.flatMap(Clock.currentTimeMillis, (now) =>
        callDecoded("append", appendResultOf, () =>
          caller.mutation(api.transcripts.append, { secret, item: toArgs(item), now })
        )
      ),
    finishReply: (item) =>
      Effect.flatMap(Clock.currentTimeMillis, (now) =>
        callDecoded("finish_reply", appendResultOf, () =>
          caller.mutation(api.transcripts.finishReply, { secret, item: toArgs(item), now })
        )
      ),
    saveReplyText: (progress) =>
      callDecoded("save_reply_text", decodeSaved, () =>
        caller.mutation(api.transcripts.saveReplyText, { secret, ...progress })
      ),
    markReplaced: (sessionId, messageId) =>
      callDecoded("mark_replaced", decodeSaved, () =>
        caller.mutation(api.transcripts.markReplaced, { secret, sessionId, messageId })
      ),
    finishAbandonedReplies: (replies) =>
      drainBatches(
        Effect.map(
          callDecoded("finish_abandoned_replies", decodeFinished, () =>
            caller.mutation(api.transcripts.finishAbandonedRepliesBatch, { secret, ...replies })
          ),
          ({ finished, more }) => ({ deleted: finished, more })
        )
      ),
    latestReply: (sessionId) =>
      callDecoded("latest_reply", decodeStoredReply, () =>
        caller.query(api.transcripts.latestReply, { secret, sessionId })
      ),
    reply: (sessionId, messageId) =>
      callDecoded("reply", decodeStoredReply, () =>
        caller.query(api.transcripts.reply, { secret, sessionId, messageId })
      ),
    lastN: (sessionId, limit) =>
      callDecoded("last_n", decodeItems, () =>
        caller.query(api.transcripts.lastN, { secret, sessionId, limit })
      ),
    page: (sessionId, request) =>
      callDecoded(
        "page",
        (fetched) => pageOf(decodeItems(fetched), request.limit),
        () =>
          caller.query(api.transcripts.page, {
            secret,
            sessionId,
            order: request.order,
            limit: request.limit,
            ...Option.match(request.after, { onNone: () => ({}), onSome: (after) => ({ after }) })
          })
      ),
    deleteSession: (sessionId) =>
      Effect.flatMap(Clock.currentTimeMillis, (now) =>
        drainBatches(
          call("delete_session", () =>
            caller.mutation(api.transcripts.deleteSessionBatch, { secret, sessionId, now })
          )
        )
      ),
    deleteOlderThan: (cutoff) =>
      drainBatches(
        call("delete_older_than", () =>
          caller.mutation(api.transcripts.deleteOlderThanBatch, { secret, cutoff })
        )
      ),
    ping: Effect.asVoid(call("ping", () => caller.query(api.transcripts.ping, { secret })))
  })
})

export const layer = Layer.effect(TranscriptStore, make)
