import { Context, Effect, Layer, Ref } from "effect"
import { AssessmentQueue } from "../../application/ports/assessment-queue.ts"
import { InteractionStore } from "../../application/ports/interaction-store.ts"
import { PrivacySettingsStore } from "../../application/ports/privacy-settings-store.ts"
import { RateLimitBuckets } from "../../application/ports/rate-limit-buckets.ts"
import { ReplyWriters } from "../../application/ports/reply-writers.ts"
import { SessionOwners } from "../../application/ports/session-owners.ts"
import { StoreCalls } from "../../application/ports/store-calls.ts"
import { StoreChanges } from "../../application/ports/store-changes.ts"
import { TranscriptStore } from "../../application/ports/transcript-store.ts"
import { StoreUnavailable } from "../../domain/errors.ts"
import * as MemoryStores from "../../adapters/memory/stores.ts"
import * as MemoryOutbox from "../../adapters/memory/transcript-outbox.ts"

/** `late`: the call takes effect but its answer never comes (a write that lands after its timeout). */
export type StoreMode = "up" | "down" | "hang" | "late"

/**
 * Which calls a mode applies to: every store call, only transcript writes (append, finishReply), or
 * only the saves of a streaming reply's text.
 */
export type FaultTarget = "all" | "transcript-writes" | "reply-saves"

const targeted: Record<FaultTarget, (operation: string) => boolean> = {
  all: () => true,
  "transcript-writes": (operation) => operation === "append" || operation === "finish_reply",
  "reply-saves": (operation) => operation === "save_reply_text"
}

/** Switches the faulty stores between answering, failing at once, and never answering. */
export class StoreFaults extends Context.Tag("test/StoreFaults")<
  StoreFaults,
  {
    readonly set: (mode: StoreMode, target?: FaultTarget) => Effect.Effect<void>
    /** The memory stores underneath, to look inside without going through the faults. */
    readonly transcripts: TranscriptStore["Type"]
  }
>() {}

/**
 * Memory stores behind a switch, and the memory outbox (it does not fail): calls fail (`down`), hang (`hang`, left to the store guard's
 * timeout) or take effect without answering (`late`) until the mode is `up` again. Interaction
 * state, assessment jobs, session owners and rate-limit buckets are plain memory stores: these tests are
 * about transcripts.
 */
export const layer = Layer.effectContext(
  Effect.gen(function* () {
    const mode = yield* Ref.make<{ mode: StoreMode; target: FaultTarget }>({ mode: "up", target: "all" })
    const transcripts = yield* TranscriptStore
    const privacy = yield* PrivacySettingsStore
    const gate = <A>(
      operation: string,
      call: Effect.Effect<A, StoreUnavailable>
    ): Effect.Effect<A, StoreUnavailable> =>
      Effect.flatMap(Ref.get(mode), ({ mode: current, target }) =>
        current === "up" || !targeted[target](operation)
          ? call
          : current === "down"
            ? Effect.fail(new StoreUnavailable({ operation, reason: "store is down (test)" }))
            : current === "late"
              ? Effect.zipRight(call, Effect.never)
              : Effect.never
      )
    const interactions = yield* InteractionStore
    const assessments = yield* AssessmentQueue
    const owners = yield* SessionOwners
    const buckets = yield* RateLimitBuckets
    return Context.make(StoreFaults, {
      set: (next, target = "all") => Ref.set(mode, { mode: next, target }),
      transcripts
    }).pipe(
      // A hanging call is what these stores are for: the guard must give it a deadline.
      Context.add(StoreCalls, { canWait: true }),
      Context.add(ReplyWriters, { onlyThisProcess: true }),
      Context.add(StoreChanges, yield* StoreChanges),
      Context.add(InteractionStore, interactions),
      Context.add(SessionOwners, owners),
      Context.add(AssessmentQueue, assessments),
      Context.add(RateLimitBuckets, buckets),
      Context.add(
        TranscriptStore,
        TranscriptStore.of({
          append: (item) => gate("append", transcripts.append(item)),
          finishReply: (item) => gate("finish_reply", transcripts.finishReply(item)),
          saveReplyText: (progress) => gate("save_reply_text", transcripts.saveReplyText(progress)),
          markReplaced: (sessionId, messageId) =>
            gate("mark_replaced", transcripts.markReplaced(sessionId, messageId)),
          finishAbandonedReplies: (replies) =>
            gate("finish_abandoned_replies", transcripts.finishAbandonedReplies(replies)),
          latestReply: (sessionId) => gate("latest_reply", transcripts.latestReply(sessionId)),
          reply: (sessionId, messageId) => gate("reply", transcripts.reply(sessionId, messageId)),
          lastN: (sessionId, limit) => gate("last_n", transcripts.lastN(sessionId, limit)),
          page: (sessionId, request) => gate("page", transcripts.page(sessionId, request)),
          deleteSession: (sessionId) => gate("delete_session", transcripts.deleteSession(sessionId)),
          deleteOlderThan: (cutoff) => gate("delete_older_than", transcripts.deleteOlderThan(cutoff)),
          ping: gate("ping", transcripts.ping)
        })
      ),
      Context.add(
        PrivacySettingsStore,
        PrivacySettingsStore.of({
          getUser: (userId) => gate("privacy_get_user", privacy.getUser(userId)),
          setUser: (userId, optOut) => gate("privacy_set_user", privacy.setUser(userId, optOut)),
          getSession: (sessionId) => gate("privacy_get_session", privacy.getSession(sessionId)),
          setSession: (sessionId, optOut) =>
            gate("privacy_set_session", privacy.setSession(sessionId, optOut)),
          getOptOuts: (userId, sessionId) =>
            gate("privacy_get_opt_outs", privacy.getOptOuts(userId, sessionId)),
          deleteUser: (userId) => gate("privacy_delete_user", privacy.deleteUser(userId)),
          deleteSession: (sessionId) => gate("privacy_delete_session", privacy.deleteSession(sessionId))
        })
      )
    )
  })
).pipe(Layer.provide(MemoryStores.layer), Layer.merge(MemoryOutbox.layerConfig))
