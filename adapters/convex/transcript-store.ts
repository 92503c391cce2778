import type { FunctionReturnType } from "convex/server"
import { Effect, Layer, Option, Redacted } from "effect"
import { AppendResult, TranscriptStore } from "../../application/ports/transcript-store.ts"
import type { GroupId, MessageId, SessionId } from "../../domain/ids.ts"
import { type NewTranscriptItem, TranscriptItem } from "../../domain/transcript.ts"
import { call, ConvexBackend } from "./backend.ts"
import { api } from "./functions/_generated/api.js"

type StoredMessage = FunctionReturnType<typeof api.transcripts.lastN>[number]

// The functions validated every field on the way in; the read path trusts them.
const toItem = ({ groupId, ...message }: StoredMessage) =>
  new TranscriptItem(
    {
      ...message,
      sessionId: message.sessionId as SessionId,
      messageId: message.messageId as MessageId,
      ...(groupId === undefined ? {} : { groupId: groupId as GroupId })
    },
    true
  )

type WriteResult =
  | { readonly outcome: "inserted" | "duplicate"; readonly item: StoredMessage }
  | {
      readonly outcome: "conflict"
      readonly reason: "different_content" | "different_session"
      readonly item: StoredMessage
    }

const toAppendResult = (result: WriteResult): AppendResult => {
  switch (result.outcome) {
    case "inserted":
      return AppendResult.Inserted({ item: toItem(result.item) })
    case "duplicate":
      return AppendResult.Duplicate({ item: toItem(result.item) })
    case "conflict":
      return AppendResult.Conflict({ existing: toItem(result.item), reason: result.reason })
  }
}

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

/** Repeats a batch mutation while it reports more to do; answers the total. */
const drain = (operation: string, batch: () => Promise<{ deleted: number; more: boolean }>) =>
  Effect.iterate(
    { deleted: 0, more: true },
    {
      while: (state) => state.more,
      body: (state) =>
        Effect.map(call(operation, batch), (result) => ({
          deleted: state.deleted + result.deleted,
          more: result.more
        }))
    }
  ).pipe(Effect.map((state) => state.deleted))

/** `TranscriptStore` on Convex: every rule runs inside the deployment's serializable mutations. */
export const make = Effect.gen(function* () {
  const { caller, secret: redacted } = yield* ConvexBackend
  const secret = Redacted.value(redacted)
  return TranscriptStore.of({
    append: (item) =>
      Effect.map(
        call("append", () => caller.mutation(api.transcripts.append, { secret, item: toArgs(item) })),
        toAppendResult
      ),
    finishReply: (item) =>
      Effect.map(
        call("finish_reply", () =>
          caller.mutation(api.transcripts.finishReply, { secret, item: toArgs(item) })
        ),
        toAppendResult
      ),
    lastN: (sessionId, limit) =>
      Effect.map(
        call("last_n", () => caller.query(api.transcripts.lastN, { secret, sessionId, limit })),
        (rows) => rows.map(toItem)
      ),
    page: (sessionId, request) =>
      Effect.map(
        call("page", () =>
          caller.query(api.transcripts.page, {
            secret,
            sessionId,
            order: request.order,
            limit: request.limit,
            ...Option.match(request.after, { onNone: () => ({}), onSome: (after) => ({ after }) })
          })
        ),
        (rows) => {
          const items = rows.slice(0, request.limit).map(toItem)
          const last = items.at(-1)
          return {
            items,
            next:
              rows.length > request.limit && last !== undefined
                ? Option.some({ ts: last.ts, seq: last.seq })
                : Option.none()
          }
        }
      ),
    deleteSession: (sessionId) =>
      drain("delete_session", () =>
        caller.mutation(api.transcripts.deleteSessionBatch, { secret, sessionId })
      ),
    deleteOlderThan: (cutoff) =>
      drain("delete_older_than", () =>
        caller.mutation(api.transcripts.deleteOlderThanBatch, { secret, cutoff })
      ),
    ping: Effect.asVoid(call("ping", () => caller.query(api.transcripts.ping, { secret })))
  })
})

export const layer = Layer.effect(TranscriptStore, make)
