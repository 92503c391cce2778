import { mkdtempSync, readdirSync, readFileSync, statSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { DatabaseSync } from "node:sqlite"
import { describe, expect, it } from "@effect/vitest"
import { Effect, Layer } from "effect"
import { TranscriptOutbox } from "../../application/ports/transcript-outbox.ts"
import { SessionId } from "../../domain/ids.ts"
import { entryOf } from "../../test/contract/transcript-outbox.contract.ts"
import * as SqliteOutbox from "./transcript-outbox.ts"

const MARKER = "zq-outbox-marker-51c2"

const modeOf = (path: string) => statSync(path).mode & 0o777
const freshDataDir = () => join(mkdtempSync(join(tmpdir(), "coachup-outbox-")), "data")
const outboxAt = (dataDir: string) =>
  Layer.fresh(SqliteOutbox.layer({ filename: join(dataDir, "outbox.sqlite"), capacity: 10 }))
const filesHolding = (directory: string, text: string) =>
  readdirSync(directory).filter((name) => readFileSync(join(directory, name)).includes(Buffer.from(text)))

describe("the SQLite outbox file", () => {
  it.effect("is created 0600, with its journal files, in a 0700 directory", () => {
    const dataDir = freshDataDir()
    return Effect.gen(function* () {
      yield* (yield* TranscriptOutbox).enqueue(entryOf("s1", "m1"))
      expect(modeOf(dataDir)).toBe(0o700)
      const files = readdirSync(dataDir).sort()
      expect(files).toEqual(["outbox.sqlite", "outbox.sqlite-shm", "outbox.sqlite-wal"])
      expect(files.map((name) => modeOf(join(dataDir, name)))).toEqual([0o600, 0o600, 0o600])
    }).pipe(Effect.provide(outboxAt(dataDir)))
  })

  it.effect("keeps its entries when the process closes it and opens it again", () => {
    const dataDir = freshDataDir()
    return Effect.gen(function* () {
      yield* Effect.provide(
        Effect.flatMap(TranscriptOutbox, (outbox) =>
          Effect.all([outbox.enqueue(entryOf("s1", "m1")), outbox.enqueue(entryOf("s1", "m2"))])
        ),
        outboxAt(dataDir)
      )
      const reopened = yield* Effect.provide(
        Effect.flatMap(TranscriptOutbox, (outbox) => outbox.oldest(10)),
        outboxAt(dataDir)
      )
      expect(reopened.map((entry) => entry.item.messageId)).toEqual(["m1", "m2"])
    })
  })

  // Live clock: a call that meets the lock retries on timers until the outbox's 1 s lock deadline.
  it.live("fails as unavailable, and soon, while another process holds its file locked", () => {
    const dataDir = freshDataDir()
    return Effect.gen(function* () {
      const outbox = yield* TranscriptOutbox
      yield* outbox.enqueue(entryOf("s1", "m1"))
      const other = new DatabaseSync(join(dataDir, "outbox.sqlite"))
      other.exec("BEGIN EXCLUSIVE")
      const started = Date.now()
      const failure = yield* Effect.flip(outbox.enqueue(entryOf("s1", "m2")))
      expect(failure).toMatchObject({ _tag: "StoreUnavailable", operation: "outbox_enqueue" })
      expect(Date.now() - started).toBeLessThan(2_000)
      other.exec("ROLLBACK")
      other.close()
      yield* outbox.enqueue(entryOf("s1", "m2"))
      expect((yield* outbox.stats).depth).toBe(2)
    }).pipe(Effect.provide(outboxAt(dataDir)))
  })

  it.effect("keeps no byte of a deleted session's entries in any of its files", () => {
    const dataDir = freshDataDir()
    return Effect.gen(function* () {
      const outbox = yield* TranscriptOutbox
      for (let index = 0; index < 5; index++) {
        yield* outbox.enqueue(entryOf("doomed", `d${index}`, { text: `${MARKER} ${index}` }))
      }
      yield* outbox.enqueue(entryOf("kept", "k1", { text: "still waiting" }))
      expect(filesHolding(dataDir, MARKER)).not.toEqual([])
      expect(yield* outbox.deleteSession(SessionId.make("doomed"))).toBe(5)
      expect(filesHolding(dataDir, MARKER)).toEqual([])
      expect(filesHolding(dataDir, "still waiting")).toEqual(["outbox.sqlite"])
    }).pipe(Effect.provide(outboxAt(dataDir)))
  })
})
