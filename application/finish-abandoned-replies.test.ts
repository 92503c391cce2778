import { describe, expect, it } from "@effect/vitest"
import { Duration, Effect, Layer, Logger, LogLevel, TestClock } from "effect"
import { SessionDirectory } from "../adapters/memory/session-directory.ts"
import { SessionTombstones } from "../adapters/memory/session-tombstones.ts"
import * as MemoryTranscripts from "../adapters/memory/transcript-store.ts"
import { SessionId } from "../domain/ids.ts"
import { newItem } from "../test/support/items.ts"
import { layerAbandonedReplySweep } from "./finish-abandoned-replies.ts"
import { ReplyWriters } from "./ports/reply-writers.ts"
import { TranscriptStore } from "./ports/transcript-store.ts"
import { ReplySettings } from "./reply-recorder.ts"

const session = SessionId.make("abandoned")
const settings = Layer.succeed(ReplySettings, {
  saveInterval: Duration.seconds(1),
  lease: Duration.seconds(30)
})

/** A reply left in progress, never saved: what a process that died right after writing its row leaves. */
const leftInProgress = Effect.flatMap(TranscriptStore, (store) =>
  store.append(
    newItem({ sessionId: session, messageId: "r1", role: "assistant", text: "", status: "in_progress" })
  )
)

const status = Effect.flatMap(TranscriptStore, (store) =>
  Effect.map(store.lastN(session, 1), ([reply]) => reply?.status)
)

/** The memory transcript store, with what it is built on. */
const memoryTranscripts = MemoryTranscripts.layer.pipe(
  Layer.provide(
    Layer.mergeAll(SessionDirectory.layer, SessionTombstones.layer, MemoryTranscripts.StoredTranscripts.layer)
  )
)

/** Starts the sweep on the memory store already holding that reply, as a process starting up does. */
const startSweep = (writers: Layer.Layer<ReplyWriters>) =>
  Effect.gen(function* () {
    yield* leftInProgress
    yield* Layer.build(layerAbandonedReplySweep.pipe(Layer.provide(Layer.mergeAll(settings, writers))))
  }).pipe(Effect.provide(Logger.minimumLogLevel(LogLevel.None)))

describe("replies abandoned by a process that died", () => {
  it.scoped("are finished when a store's only writer starts, before it serves", () =>
    Effect.gen(function* () {
      yield* startSweep(ReplyWriters.onlyThisProcess)
      expect(yield* status).toBe("incomplete")
    }).pipe(Effect.provide(memoryTranscripts))
  )

  it.scoped("on a store many processes write, are finished once their lease lapses, within 40 s", () =>
    Effect.gen(function* () {
      yield* startSweep(ReplyWriters.manyProcesses)
      // The first sweep, at start, gives the unsaved reply a lease of 30 s; the sweeps run every 10 s.
      expect(yield* status).toBe("in_progress")
      yield* TestClock.adjust("39 seconds")
      expect(yield* status).toBe("in_progress")
      yield* TestClock.adjust("1 second")
      expect(yield* status).toBe("incomplete")
    }).pipe(Effect.provide(memoryTranscripts))
  )
})
