import { Context, type Effect } from "effect"
import type { MessageId, SessionId } from "../../domain/ids.ts"
import type { NewTranscriptItem, TranscriptItem } from "../../domain/transcript.ts"
import type { AppendResult } from "./transcript-store.ts"

/**
 * The bounded in-process transcript: recent messages of every active session. It serves opted-out
 * sessions (their only copy) and the context fallbacks when the store errors, times out or is empty.
 * It cannot fail; it forgets (per-session cap, session count cap, byte budget, idle TTL).
 */
export class SessionMemory extends Context.Tag("coachup/SessionMemory")<
  SessionMemory,
  {
    readonly append: (item: NewTranscriptItem) => Effect.Effect<AppendResult>
    /** As `TranscriptStore.finishReply`. */
    readonly finishReply: (item: NewTranscriptItem) => Effect.Effect<AppendResult>
    /** As `TranscriptStore.markReplaced`. */
    readonly markReplaced: (sessionId: SessionId, messageId: MessageId) => Effect.Effect<boolean>
    readonly lastN: (sessionId: SessionId, limit: number) => Effect.Effect<ReadonlyArray<TranscriptItem>>
    /** Forgets a session and remembers when, for `deletedSince`. */
    readonly deleteSession: (sessionId: SessionId) => Effect.Effect<number>
    /**
     * Whether the session was deleted at or after `since` (ms since epoch), within the memory's idle
     * TTL: work begun before a deletion (a streaming reply, a classification) must not write it back.
     */
    readonly deletedSince: (sessionId: SessionId, since: number) => Effect.Effect<boolean>
    /** How many sessions are held now. */
    readonly sessionCount: Effect.Effect<number>
  }
>() {}
