import { Array, Option } from "effect"
import { selectContextWindow } from "../../domain/context-window.ts"
import type { MessageId, SessionId } from "../../domain/ids.ts"
import {
  byTranscriptOrder,
  insertInTranscriptOrder,
  isFinishedReply,
  type NewTranscriptItem,
  pageOf,
  TranscriptItem,
  type TranscriptPosition
} from "../../domain/transcript.ts"
import { planAppend, planFinishReply, type TranscriptWrite } from "../../domain/transcript-write.ts"
import {
  type AbandonedReplies,
  type AppendResult,
  applyTranscriptWrite,
  type PageRequest,
  type ReplyProgress,
  type StoredReply,
  type TranscriptPage
} from "../../application/ports/transcript-store.ts"
import { itemBytes, SESSION_OVERHEAD_BYTES, stringBytes } from "./held-bytes.ts"

export interface TranscriptTableBounds {
  /** Items kept per session (the most recent in transcript order). */
  readonly maxItemsPerSession: number
  /** Sessions kept; the least recently used is forgotten first. */
  readonly maxSessions: number
  /** A session untouched for this long is forgotten. */
  readonly idleTtlMillis: number
  /**
   * Bytes held (strings' characters and a fixed allowance per item and session); past it the least
   * recently used sessions are forgotten, never the one just written, so one session may overrun it.
   */
  readonly maxBytes: number
}

export const unbounded: TranscriptTableBounds = {
  maxItemsPerSession: Number.POSITIVE_INFINITY,
  maxSessions: Number.POSITIVE_INFINITY,
  idleTtlMillis: Number.POSITIVE_INFINITY,
  maxBytes: Number.POSITIVE_INFINITY
}

/** Why a whole session was forgotten: over the byte budget, over the session cap, or idle. */
export type EvictionReason = "bytes" | "count" | "idle"

interface SessionEntry {
  /** In transcript order. */
  items: Array<TranscriptItem>
  /** The same items by messageId: message ids are unique per session. */
  byMessageId: Map<string, TranscriptItem>
  /** When this table accepted each item (its first write), by messageId: what retention goes by. */
  createdAt: Map<string, number>
  /** The leases of replies in progress, by messageId. */
  leases: Map<string, number>
  nextSeq: number
  touchedAt: number
  /** What the session holds, as `itemBytes` and `SESSION_OVERHEAD_BYTES` count it. */
  bytes: number
}

/**
 * Transcripts in process memory, with the idempotency rules of every store. Synchronous: callers
 * wrap it in Effects. Map insertion order doubles as least-recently-used order.
 */
export class TranscriptTable {
  private readonly sessions = new Map<SessionId, SessionEntry>()
  private readonly bounds: TranscriptTableBounds
  private heldBytes = 0
  private evicted: Record<EvictionReason, number> = { bytes: 0, count: 0, idle: 0 }

  constructor(bounds: TranscriptTableBounds) {
    this.bounds = bounds
  }

  /** `deletedAt`: the session's tombstone, where the caller keeps one. */
  append(item: NewTranscriptItem, now: number, deletedAt?: number): AppendResult {
    this.expire(now)
    return this.write(planAppend(item, this.stored(item), this.nextSeq(item), deletedAt), now)
  }

  finishReply(item: NewTranscriptItem, now: number, deletedAt?: number): AppendResult {
    this.expire(now)
    return this.write(planFinishReply(item, this.stored(item), this.nextSeq(item), deletedAt), now)
  }

  saveReplyText(progress: ReplyProgress): boolean {
    const entry = this.sessions.get(progress.sessionId)
    const stored = entry?.byMessageId.get(progress.messageId)
    if (entry === undefined || stored?.status !== "in_progress") return false
    const { text, contentHash } = progress
    this.replace(entry, { ...stored, text, contentHash })
    entry.leases.set(stored.messageId, progress.leaseUntil)
    return true
  }

  markReplaced(sessionId: SessionId, messageId: MessageId): boolean {
    const entry = this.sessions.get(sessionId)
    const stored = entry?.byMessageId.get(messageId)
    if (entry === undefined || stored === undefined || !isFinishedReply(stored)) return false
    this.replace(entry, { ...stored, replaced: true })
    return true
  }

  finishAbandonedReplies(replies: AbandonedReplies): number {
    let finished = 0
    for (const entry of this.sessions.values())
      for (const item of entry.items) {
        if (item.status !== "in_progress") continue
        const lease = entry.leases.get(item.messageId)
        if ((lease ?? replies.unleasedUntil) < replies.leaseEndedBefore) {
          this.replace(entry, { ...item, status: "incomplete" })
          finished++
        } else if (lease === undefined) entry.leases.set(item.messageId, replies.unleasedUntil)
      }
    return finished
  }

  latestReply(sessionId: SessionId): Option.Option<StoredReply> {
    return this.replyIn(sessionId, (entry) => entry.items.findLast((item) => item.role === "assistant"))
  }

  reply(sessionId: SessionId, messageId: MessageId): Option.Option<StoredReply> {
    return this.replyIn(sessionId, (entry) => entry.byMessageId.get(messageId))
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

  /** Removes the items accepted before `cutoff` (ms since epoch), whatever their `ts`. */
  deleteOlderThan(cutoff: number): number {
    let deleted = 0
    for (const [sessionId, entry] of this.sessions) {
      const [kept, old] = Array.partition(
        entry.items,
        (item) => entry.createdAt.get(item.messageId)! < cutoff
      )
      old.forEach((item) => this.drop(entry, item))
      deleted += old.length
      if (kept.length === 0) this.forget(sessionId)
      else entry.items = kept
    }
    return deleted
  }

  sessionCount(now: number): number {
    this.expire(now)
    return this.sessions.size
  }

  /** The bytes held now, as `TranscriptTableBounds.maxBytes` counts them. */
  bytesHeld(): number {
    return this.heldBytes
  }

  /** Sessions forgotten by reason since the last call. */
  takeEvictions(): Readonly<Record<EvictionReason, number>> {
    const evicted = this.evicted
    this.evicted = { bytes: 0, count: 0, idle: 0 }
    return evicted
  }

  /**
   * The session's last user message taken before `messageId` (by `seq`), with when this table took
   * it; none when the table does not hold `messageId`, or no user message came before it.
   */
  previousUserMessage(
    sessionId: SessionId,
    messageId: MessageId
  ): { readonly messageId: MessageId; readonly acceptedAt: number } | undefined {
    const entry = this.sessions.get(sessionId)
    const message = entry?.byMessageId.get(messageId)
    if (entry === undefined || message === undefined) return undefined
    let previous: TranscriptItem | undefined
    for (const item of entry.items)
      if (item.role === "user" && item.seq < message.seq && item.seq > (previous?.seq ?? 0)) previous = item
    return previous === undefined
      ? undefined
      : { messageId: previous.messageId, acceptedAt: entry.createdAt.get(previous.messageId)! }
  }

  /** The item stored under the session and message id of `item`, if any. */
  stored(item: NewTranscriptItem): TranscriptItem | undefined {
    return this.sessions.get(item.sessionId)?.byMessageId.get(item.messageId)
  }

  /** The item `find` picks in the session, with its lease. */
  private replyIn(
    sessionId: SessionId,
    find: (entry: SessionEntry) => TranscriptItem | undefined
  ): Option.Option<StoredReply> {
    const entry = this.sessions.get(sessionId)
    const item = entry === undefined ? undefined : find(entry)
    return entry === undefined || item === undefined
      ? Option.none()
      : Option.some({ item, leaseUntil: Option.fromNullable(entry.leases.get(item.messageId)) })
  }

  private nextSeq(item: NewTranscriptItem): number {
    return this.sessions.get(item.sessionId)?.nextSeq ?? 1
  }

  private write(
    write: TranscriptWrite<TranscriptItem, NewTranscriptItem & { readonly seq: number }>,
    now: number
  ): AppendResult {
    return applyTranscriptWrite(write, (row, replaces) => {
      const stored: TranscriptItem = row
      const entry = this.touch(stored.sessionId, now, true)!
      if (replaces) this.replace(entry, stored)
      else {
        entry.byMessageId.set(stored.messageId, stored)
        this.resize(entry, itemBytes(stored))
        entry.nextSeq = stored.seq + 1
        entry.items = insertInTranscriptOrder(entry.items, stored)
        entry.createdAt.set(stored.messageId, now)
        while (entry.items.length > this.bounds.maxItemsPerSession) this.drop(entry, entry.items.shift()!)
      }
      while (this.sessions.size > this.bounds.maxSessions) this.evictOldest("count")
      // The session just written is the most recently used: it is the last left.
      while (this.heldBytes > this.bounds.maxBytes && this.sessions.size > 1) this.evictOldest("bytes")
      return stored
    })
  }

  /**
   * Puts `stored` in the place of the item with its messageId, counting the change in bytes; a reply no
   * longer in progress has no lease.
   */
  private replace(entry: SessionEntry, stored: TranscriptItem) {
    const replaced = entry.byMessageId.get(stored.messageId)
    entry.byMessageId.set(stored.messageId, stored)
    this.resize(entry, itemBytes(stored) - (replaced === undefined ? 0 : itemBytes(replaced)))
    entry.items = entry.items.map((item) => (item.messageId === stored.messageId ? stored : item))
    if (stored.status !== "in_progress") entry.leases.delete(stored.messageId)
  }

  private resize(entry: SessionEntry, change: number) {
    entry.bytes += change
    this.heldBytes += change
  }

  private evictOldest(reason: EvictionReason) {
    this.forget(this.sessions.keys().next().value!)
    this.evicted[reason] += 1
  }

  private touch(sessionId: SessionId, now: number, create: boolean): SessionEntry | undefined {
    let entry = this.sessions.get(sessionId)
    if (entry === undefined && create) {
      entry = {
        items: [],
        byMessageId: new Map(),
        createdAt: new Map(),
        leases: new Map(),
        nextSeq: 1,
        touchedAt: now,
        bytes: 0
      }
      this.resize(entry, SESSION_OVERHEAD_BYTES + stringBytes(sessionId))
    }
    if (entry === undefined) return undefined
    entry.touchedAt = now
    this.sessions.delete(sessionId)
    this.sessions.set(sessionId, entry)
    return entry
  }

  /** Forgets one item's lookups, lease and bytes; the caller removes it from `items`. */
  private drop(entry: SessionEntry, item: TranscriptItem) {
    entry.byMessageId.delete(item.messageId)
    entry.createdAt.delete(item.messageId)
    entry.leases.delete(item.messageId)
    this.resize(entry, -itemBytes(item))
  }

  private forget(sessionId: SessionId): number {
    const entry = this.sessions.get(sessionId)
    if (entry === undefined) return 0
    this.sessions.delete(sessionId)
    this.heldBytes -= entry.bytes
    return entry.items.length
  }

  private expire(now: number) {
    for (const [sessionId, entry] of this.sessions) {
      if (now - entry.touchedAt < this.bounds.idleTtlMillis) return
      this.forget(sessionId)
      this.evicted.idle += 1
    }
  }
}

const isAfter = (item: TranscriptItem, position: TranscriptPosition, order: "asc" | "desc") => {
  const comparison = byTranscriptOrder(item, position)
  return order === "asc" ? comparison > 0 : comparison < 0
}
