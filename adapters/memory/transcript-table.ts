import { Array, Option } from "effect"
import { selectContextWindow } from "../../domain/context-window.ts"
import type { SessionId } from "../../domain/ids.ts"
import {
  byTranscriptOrder,
  type NewTranscriptItem,
  sortTranscript,
  TranscriptItem,
  type TranscriptPosition
} from "../../domain/transcript.ts"
import { compareRepeat } from "../../domain/repeat.ts"
import {
  AppendResult,
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
  nextSeq: number
  touchedAt: number
}

/**
 * Transcripts in process memory, with the idempotency rules of every store. Synchronous: callers
 * wrap it in Effects. Map insertion order doubles as least-recently-used order.
 */
export class TranscriptTable {
  private readonly sessions = new Map<SessionId, SessionEntry>()
  private readonly byMessageId = new Map<string, TranscriptItem>()
  private readonly bounds: TranscriptTableBounds

  constructor(bounds: TranscriptTableBounds) {
    this.bounds = bounds
  }

  append(item: NewTranscriptItem, now: number): AppendResult {
    this.expire(now)
    const existing = this.byMessageId.get(item.messageId)
    if (existing !== undefined) {
      const repeat = compareRepeat(existing, item)
      return repeat === "duplicate"
        ? AppendResult.Duplicate({ item: existing })
        : AppendResult.Conflict({ existing, reason: repeat })
    }
    const entry = this.touch(item.sessionId, now, true)!
    const stored = new TranscriptItem({ ...item, seq: entry.nextSeq++ })
    entry.items = sortTranscript([...entry.items, stored])
    this.byMessageId.set(stored.messageId, stored)
    while (entry.items.length > this.bounds.maxItemsPerSession)
      this.byMessageId.delete(entry.items.shift()!.messageId)
    while (this.sessions.size > this.bounds.maxSessions) this.forget(this.sessions.keys().next().value!)
    return AppendResult.Inserted({ item: stored })
  }

  finishReply(item: NewTranscriptItem, now: number): AppendResult {
    const existing = this.byMessageId.get(item.messageId)
    if (
      existing === undefined ||
      existing.status !== "in_progress" ||
      existing.sessionId !== item.sessionId
    ) {
      return this.append(item, now)
    }
    const entry = this.touch(item.sessionId, now, true)!
    const finished = new TranscriptItem({ ...item, ts: existing.ts, seq: existing.seq })
    entry.items = entry.items.map((stored) => (stored.messageId === item.messageId ? finished : stored))
    this.byMessageId.set(item.messageId, finished)
    return AppendResult.Inserted({ item: finished })
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
    const items = ordered.slice(start, start + request.limit)
    const last = items.at(-1)
    const next =
      last !== undefined && start + items.length < ordered.length
        ? Option.some({ ts: last.ts, seq: last.seq })
        : Option.none()
    return { items, next }
  }

  deleteSession(sessionId: SessionId): number {
    return this.forget(sessionId)
  }

  deleteOlderThan(cutoff: number): number {
    let deleted = 0
    for (const [sessionId, entry] of this.sessions) {
      const [old, kept] = Array.span(entry.items, (item) => item.ts < cutoff)
      old.forEach((item) => this.byMessageId.delete(item.messageId))
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

  private touch(sessionId: SessionId, now: number, create: boolean): SessionEntry | undefined {
    const entry =
      this.sessions.get(sessionId) ?? (create ? { items: [], nextSeq: 1, touchedAt: now } : undefined)
    if (entry === undefined) return undefined
    entry.touchedAt = now
    this.sessions.delete(sessionId)
    this.sessions.set(sessionId, entry)
    return entry
  }

  private forget(sessionId: SessionId): number {
    const entry = this.sessions.get(sessionId)
    if (entry === undefined) return 0
    entry.items.forEach((item) => this.byMessageId.delete(item.messageId))
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
