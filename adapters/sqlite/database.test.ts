import { mkdtempSync, readdirSync, readFileSync, statSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { describe, expect, it } from "@effect/vitest"
import { Effect, Layer, TestClock } from "effect"
import { TranscriptStore } from "../../application/ports/transcript-store.ts"
import { SessionId } from "../../domain/ids.ts"
import { newItem } from "../../test/support/items.ts"
import * as SqliteStores from "./stores.ts"

const MARKER = "zq-marker-7f3a91-secret-text"

/** The files of `directory` whose raw bytes hold `text`. */
const filesHolding = (directory: string, text: string) =>
  readdirSync(directory).filter((name) => readFileSync(join(directory, name)).includes(Buffer.from(text)))

const modeOf = (path: string) => statSync(path).mode & 0o777

/** A data directory that does not exist yet, under a fresh temporary one. */
const freshDataDir = () => join(mkdtempSync(join(tmpdir(), "coachup-sqlite-")), "data")

const storesAt = (dataDir: string) =>
  Layer.fresh(SqliteStores.layer({ filename: join(dataDir, "coachup.sqlite"), lockDeadline: "2 seconds" }))

describe("the SQLite file", () => {
  it.effect("is created 0600, with its journal files, in a 0700 directory", () => {
    const dataDir = freshDataDir()
    return Effect.gen(function* () {
      const store = yield* TranscriptStore
      yield* store.append(newItem({ messageId: "m1" }))
      expect(modeOf(dataDir)).toBe(0o700)
      const files = readdirSync(dataDir)
      expect(files.sort()).toEqual(["coachup.sqlite", "coachup.sqlite-shm", "coachup.sqlite-wal"])
      expect(files.map((name) => modeOf(join(dataDir, name)))).toEqual([0o600, 0o600, 0o600])
    }).pipe(Effect.provide(storesAt(dataDir)))
  })

  it.effect("keeps no byte of a deleted session's text in any file of the data directory", () => {
    const dataDir = freshDataDir()
    return Effect.gen(function* () {
      const store = yield* TranscriptStore
      for (let index = 0; index < 20; index++) {
        yield* store.append(
          newItem({ sessionId: "doomed", messageId: `d${index}`, text: `${MARKER} ${index}` })
        )
      }
      yield* store.append(newItem({ sessionId: "kept", messageId: "k1", text: "still here" }))
      expect(filesHolding(dataDir, MARKER)).not.toEqual([])
      expect(yield* store.deleteSession(SessionId.make("doomed"))).toBe(20)
      expect(filesHolding(dataDir, MARKER)).toEqual([])
      expect(filesHolding(dataDir, "still here")).toEqual(["coachup.sqlite"])
    }).pipe(Effect.provide(storesAt(dataDir)))
  })

  it.effect("keeps no byte of text the retention sweep deleted", () => {
    const dataDir = freshDataDir()
    return Effect.gen(function* () {
      const store = yield* TranscriptStore
      yield* TestClock.setTime(1_000)
      yield* store.append(newItem({ sessionId: "old", messageId: "o1", text: MARKER }))
      yield* TestClock.setTime(9_000)
      yield* store.append(newItem({ sessionId: "new", messageId: "n1", text: "recent" }))
      expect(filesHolding(dataDir, MARKER)).not.toEqual([])
      expect(yield* store.deleteOlderThan(5_000)).toBe(1)
      expect(filesHolding(dataDir, MARKER)).toEqual([])
    }).pipe(Effect.provide(storesAt(dataDir)))
  })
})
