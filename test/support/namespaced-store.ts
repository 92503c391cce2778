import { Effect, Layer, Option } from "effect"
import { PrivacySettingsStore } from "../../application/ports/privacy-settings-store.ts"
import { AppendResult, type StoredReply, TranscriptStore } from "../../application/ports/transcript-store.ts"
import type { MessageId, SessionId, UserId } from "../../domain/ids.ts"
import { TranscriptItem } from "../../domain/transcript.ts"

/**
 * Runs a contract test against a shared, long-lived store (a real Convex deployment) as if it were
 * empty: every session, message and user id is prefixed on the way in and unprefixed on the way out.
 */
export const namespaced = (prefix: string) => {
  const sessionIn = (id: string) => `${prefix}${id}` as SessionId
  const messageIn = (id: string) => `${prefix}${id}` as MessageId
  const out = <A extends string>(id: A) => id.slice(prefix.length) as A
  const itemOut = (item: TranscriptItem) => ({
    ...item,
    sessionId: out(item.sessionId),
    messageId: out(item.messageId)
  })
  const resultOut = AppendResult.$match({
    Conflict: (result) => AppendResult.Conflict({ existing: itemOut(result.existing) }),
    Inserted: (result) => AppendResult.Inserted({ item: itemOut(result.item) }),
    Duplicate: (result) => AppendResult.Duplicate({ item: itemOut(result.item) }),
    Deleted: () => AppendResult.Deleted()
  })

  const replyOut = Option.map((reply: StoredReply) => ({ ...reply, item: itemOut(reply.item) }))

  const transcripts = Layer.effect(
    TranscriptStore,
    Effect.map(TranscriptStore, (store) =>
      TranscriptStore.of({
        append: (item) =>
          Effect.map(
            store.append({
              ...item,
              sessionId: sessionIn(item.sessionId),
              messageId: messageIn(item.messageId)
            }),
            resultOut
          ),
        finishReply: (item) =>
          Effect.map(
            store.finishReply({
              ...item,
              sessionId: sessionIn(item.sessionId),
              messageId: messageIn(item.messageId)
            }),
            resultOut
          ),
        saveReplyText: (progress) =>
          store.saveReplyText({
            ...progress,
            sessionId: sessionIn(progress.sessionId),
            messageId: messageIn(progress.messageId)
          }),
        markReplaced: (sessionId, messageId) =>
          store.markReplaced(sessionIn(sessionId), messageIn(messageId)),
        // A sweep reaches every namespace: run the live suites on a deployment kept for tests.
        finishAbandonedReplies: (replies) => store.finishAbandonedReplies(replies),
        latestReply: (sessionId) => Effect.map(store.latestReply(sessionIn(sessionId)), replyOut),
        reply: (sessionId, messageId) =>
          Effect.map(store.reply(sessionIn(sessionId), messageIn(messageId)), replyOut),
        lastN: (sessionId, limit) =>
          Effect.map(store.lastN(sessionIn(sessionId), limit), (items) => items.map(itemOut)),
        page: (sessionId, request) =>
          Effect.map(store.page(sessionIn(sessionId), request), (page) => ({
            ...page,
            items: page.items.map(itemOut)
          })),
        deleteSession: (sessionId) => store.deleteSession(sessionIn(sessionId)),
        deleteOlderThan: (cutoff) => store.deleteOlderThan(cutoff),
        ping: store.ping
      })
    )
  )
  const privacy = Layer.effect(
    PrivacySettingsStore,
    Effect.map(PrivacySettingsStore, (store) =>
      PrivacySettingsStore.of({
        getUser: (userId) => store.getUser(`${prefix}${userId}` as UserId),
        setUser: (userId, optOut) => store.setUser(`${prefix}${userId}` as UserId, optOut),
        getSession: (sessionId) => store.getSession(sessionIn(sessionId)),
        setSession: (sessionId, optOut) => store.setSession(sessionIn(sessionId), optOut),
        getOptOuts: (userId, sessionId) =>
          store.getOptOuts(`${prefix}${userId}` as UserId, sessionIn(sessionId)),
        deleteUser: (userId) => store.deleteUser(`${prefix}${userId}` as UserId),
        deleteSession: (sessionId) => store.deleteSession(sessionIn(sessionId))
      })
    )
  )
  return { transcripts, privacy }
}
