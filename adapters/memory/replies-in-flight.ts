import { Chunk, Effect, Layer, Option, Stream } from "effect"
import { RepliesInFlight, ReplyEnd, type ReplySnapshot } from "../../application/ports/replies-in-flight.ts"
import type { MessageId, SessionId } from "../../domain/ids.ts"
import { acquireReleasePlain } from "../../application/acquire-release-plain.ts"

interface Entry {
  readonly messageId: MessageId
  readonly stop: Effect.Effect<void>
  /** The text's pieces as they came: a follower shows each as it was made. */
  readonly pieces: Array<string>
  text: string
  end: Option.Option<ReplyEnd>
  /** The followers waiting for the next change. */
  readonly waiting: Set<() => void>
}

/** Changes the reply, unless it has ended (nothing changes it then), and wakes its followers. */
const change = (entry: Entry, apply: () => void) => {
  if (Option.isSome(entry.end)) return
  apply()
  const waiting = [...entry.waiting]
  entry.waiting.clear()
  for (const wake of waiting) wake()
}

interface Seen {
  readonly pieces: number
  readonly text: string
}

/**
 * Completes at the first change after `seen`: at once when one has come since. A follower interrupted
 * while it waits (its client gone) leaves its wake-up in `waiting`, and its fiber reachable, until the
 * next change, which clears them all, or the reply's end. A canceler to take it out would wrap every
 * wait in an interruption handler, some 8 runtime operations for each piece of text a follower reads;
 * one `ensuring` per follower instead held 1.5 KiB more heap per open stream (section 6 of the bench,
 * 93.2 against 91.7 KiB), for every stream, against one fiber per reload while a reply is quiet.
 */
const changedSince = (entry: Entry, seen: Seen) =>
  Effect.async<void>((resume) => {
    if (entry.pieces.length > seen.pieces || Option.isSome(entry.end)) return resume(Effect.void)
    entry.waiting.add(() => resume(Effect.void))
  })

/** The snapshots since `seen`, one per piece of text, the last with the reply's end if it has ended. */
const since = (entry: Entry, seen: Seen): [Array<ReplySnapshot>, Seen] => {
  const snapshots: Array<ReplySnapshot> = []
  let text = seen.text
  for (let i = seen.pieces; i < entry.pieces.length; i++) {
    text += entry.pieces[i]
    snapshots.push({ text, end: Option.none() })
  }
  if (Option.isSome(entry.end)) snapshots.push({ text, end: entry.end })
  return [snapshots, { pieces: entry.pieces.length, text }]
}

/** The follower's first snapshots: the reply as it was when the follower found it (`start`), and any since. */
const first = (entry: Entry, start: Seen): [Array<ReplySnapshot>, Seen] => {
  const [snapshots, next] = since(entry, start)
  snapshots.unshift({ text: start.text, end: Option.none() })
  return [snapshots, next]
}

/** The snapshots after `seen`, once there are any. */
const after = (entry: Entry, seen: Seen) => Effect.map(changedSince(entry, seen), () => since(entry, seen))

/** Whether these snapshots end the reply: the last of them says how it ended. */
const ends = (snapshots: ReadonlyArray<ReplySnapshot>) =>
  Option.isSome(snapshots.at(-1)?.end ?? Option.none())

/**
 * A follower's snapshots from `start`, the reply as it was when the follower found it: that one, then
 * one for each piece of text since, as it comes, until the one that ends the reply. What came between
 * two reads is taken as one chunk.
 */
const snapshotsOf = (entry: Entry, start: Seen): Stream.Stream<ReplySnapshot> =>
  Stream.paginateChunkEffect(Option.none<Seen>(), (seen) =>
    Effect.map(
      Option.isSome(seen) ? after(entry, seen.value) : Effect.sync(() => first(entry, start)),
      ([snapshots, next]) => [
        Chunk.unsafeFromArray(snapshots),
        ends(snapshots) ? Option.none() : Option.some(Option.some(next))
      ]
    )
  )

/** The same snapshots as `snapshotsOf`, handed to `read` in a loop. */
const readEachOf =
  (entry: Entry, start: Seen) =>
  (read: (snapshots: ReadonlyArray<ReplySnapshot>) => Effect.Effect<void>): Effect.Effect<void> => {
    const readFrom = ([snapshots, next]: [Array<ReplySnapshot>, Seen]): Effect.Effect<void> =>
      Effect.zipRight(
        read(snapshots),
        ends(snapshots) ? Effect.void : Effect.flatMap(after(entry, next), readFrom)
      )
    return Effect.suspend(() => readFrom(first(entry, start)))
  }

/**
 * `RepliesInFlight` in process memory: each reply's snapshot in a plain record that its producer
 * changes in place and its followers read when woken. A change costs no effect of its own, so a
 * reply with no follower costs its producer next to nothing per word.
 */
export const make = Effect.sync(() => {
  const replies = new Map<SessionId, Entry>()
  return RepliesInFlight.of({
    register: (sessionId, messageId, stop, scope) =>
      Effect.gen(function* () {
        const entry: Entry = {
          messageId,
          stop,
          pieces: [],
          text: "",
          end: Option.none(),
          waiting: new Set()
        }
        const end = (ended: ReplyEnd) =>
          Effect.sync(() =>
            change(entry, () => {
              entry.end = Option.some(ended)
            })
          )
        yield* acquireReleasePlain(
          scope,
          Effect.sync(() => replies.set(sessionId, entry)),
          () =>
            Effect.zipRight(
              end(ReplyEnd.CutShort()),
              Effect.sync(() => {
                if (replies.get(sessionId) === entry) replies.delete(sessionId)
              })
            )
        )
        return {
          grow: (deltas) =>
            Effect.sync(() =>
              change(entry, () => {
                for (const delta of deltas) {
                  entry.pieces.push(delta)
                  entry.text += delta
                }
              })
            ),
          end
        }
      }),
    find: (sessionId) =>
      Effect.sync(() =>
        Option.map(Option.fromNullable(replies.get(sessionId)), (entry) => {
          const start = { pieces: entry.pieces.length, text: entry.text }
          return {
            messageId: entry.messageId,
            snapshots: snapshotsOf(entry, start),
            readEach: readEachOf(entry, start)
          }
        })
      ),
    stop: (sessionId) =>
      Effect.suspend(() => {
        const entry = replies.get(sessionId)
        return entry === undefined ? Effect.succeed(false) : Effect.as(entry.stop, true)
      })
  })
})

export const layer = Layer.effect(RepliesInFlight, make)
