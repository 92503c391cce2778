import { Array, Option } from "effect"
import { selectContextWindow } from "../../domain/context-window.ts"
import type { SessionId } from "../../domain/ids.ts"
import {
  byTranscriptOrder,
  type NewTranscriptItem,
  pageOf,
  sortTranscript,
  TranscriptItem,
  type TranscriptPosition
} from "../../domain/transcript.ts"
import { planAppend, planFinishReply, type TranscriptWrite } from "../../domain/transcript-write.ts"
import {
  type AppendResult,
  applyTranscriptWrite,
  type PageRequest,
  type TranscriptPage
} from "../../application/ports/transcript-store.ts"

export interface TranscriptTableBounds {
  /** Items kept per session (the most recent in transcript order). */
  readonly maxItemsPerSession: number
  /** Sessions kept; the least recently used is forgotten first. */
  readonly maxSessions: number
  /** A session untouched for this long is forgotten. */
  readonly idleTtlMillis: number
}

export const unbounded: TranscriptTableBounds = {
  maxItemsPerSession: Number.POSITIVE_INFINITY,
  maxSessions: Number.POSITIVE_INFINITY,
  idleTtlMillis: Number.POSITIVE_INFINITY
}

interface SessionEntry {
  /** In transcript order. */
  items: Array<TranscriptItem>
  /** The same items by messageId: message ids are unique per session. */
  byMessageId: Map<string, TranscriptItem>
  nextSeq: number
  touchedAt: number
}

/**
 * Transcripts in process memory, with the idempotency rules of every store. Synchronous: callers
 * wrap it in Effects. Map insertion order doubles as least-recently-used order.
 */
export class TranscriptTable {
  private readonly sessions = new Map<SessionId, SessionEntry>()
  private readonly bounds: TranscriptTableBounds

  constructor(bounds: TranscriptTableBounds) {
    this.bounds = bounds
  }

  append(item: NewTranscriptItem, now: number): AppendResult {
    this.expire(now)
    return this.write(planAppend(item, this.stored(item), this.nextSeq(item)), now)
  }

  finishReply(item: NewTranscriptItem, now: number): AppendResult {
    this.expire(now)
    return this.write(planFinishReply(item, this.stored(item), this.nextSeq(item)), now)
  }

  lastN(sessionId: SessionId, limit: number, now: number): ReadonlyArray<TranscriptItem> {
    this.expire(now)
    return selectContextWindow(this.touch(sessionId, now, false)?.items ?? [], limit)
  }

  page(sessionId: SessionId, request: PageRequest): TranscriptPage {
    const ascending = this.sessions.get(sessionId)?.items ?? []
    const ordered = request.order === "asc" ? ascending : Array.reverse(ascending)
    const start = Option.match(request.after, {
      onNone: () => 0,
      onSome: (after) => {
        const index = ordered.findIndex((item) => isAfter(item, after, request.order))
        return index === -1 ? ordered.length : index
      }
    })
    return pageOf(ordered.slice(start, start + request.limit + 1), request.limit)
  }

  deleteSession(sessionId: SessionId): number {
    return this.forget(sessionId)
  }

  deleteOlderThan(cutoff: number): number {
    let deleted = 0
    for (const [sessionId, entry] of this.sessions) {
      const [old, kept] = Array.span(entry.items, (item) => item.ts < cutoff)
      old.forEach((item) => entry.byMessageId.delete(item.messageId))
      deleted += old.length
      if (kept.length === 0) this.sessions.delete(sessionId)
      else entry.items = kept
    }
    return deleted
  }

  sessionCount(now: number): number {
    this.expire(now)
    return this.sessions.size
  }

  /** The item stored under the session and message id of `item`, if any. */
  stored(item: NewTranscriptItem): TranscriptItem | undefined {
    return this.sessions.get(item.sessionId)?.byMessageId.get(item.messageId)
  }

  private nextSeq(item: NewTranscriptItem): number {
    return this.sessions.get(item.sessionId)?.nextSeq ?? 1
  }

  private write(
    write: TranscriptWrite<TranscriptItem, NewTranscriptItem & { readonly seq: number }>,
    now: number
  ): AppendResult {
    return applyTranscriptWrite(write, (row, replaces) => {
      const stored = new TranscriptItem(row, true)
      const entry = this.touch(stored.sessionId, now, true)!
      entry.byMessageId.set(stored.messageId, stored)
      if (replaces) {
        entry.items = entry.items.map((item) => (item.messageId === stored.messageId ? stored : item))
        return stored
      }
      entry.nextSeq = stored.seq + 1
      entry.items = sortTranscript([...entry.items, stored])
      while (entry.items.length > this.bounds.maxItemsPerSession)
        entry.byMessageId.delete(entry.items.shift()!.messageId)
      while (this.sessions.size > this.bounds.maxSessions) this.forget(this.sessions.keys().next().value!)
      return stored
    })
  }

  private touch(sessionId: SessionId, now: number, create: boolean): SessionEntry | undefined {
    const entry =
      this.sessions.get(sessionId) ??
      (create ? { items: [], byMessageId: new Map(), nextSeq: 1, touchedAt: now } : undefined)
    if (entry === undefined) return undefined
    entry.touchedAt = now
    this.sessions.delete(sessionId)
    this.sessions.set(sessionId, entry)
    return entry
  }

  private forget(sessionId: SessionId): number {
    const entry = this.sessions.get(sessionId)
    if (entry === undefined) return 0
    this.sessions.delete(sessionId)
    return entry.items.length
  }

  private expire(now: number) {
    for (const [sessionId, entry] of this.sessions) {
      if (now - entry.touchedAt < this.bounds.idleTtlMillis) return
      this.forget(sessionId)
    }
  }
}

const isAfter = (item: TranscriptItem, position: TranscriptPosition, order: "asc" | "desc") => {
  const comparison = byTranscriptOrder(item, position)
  return order === "asc" ? comparison > 0 : comparison < 0
}
