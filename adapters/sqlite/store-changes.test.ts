import { mkdtempSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { DatabaseSync } from "node:sqlite"
import { describe, expect, it } from "@effect/vitest"
import { Context, Effect, Layer, Option } from "effect"
import { PrivacySettingsStore } from "../../application/ports/privacy-settings-store.ts"
import { TranscriptOutbox } from "../../application/ports/transcript-outbox.ts"
import { layerRememberedOutbox } from "../../application/remembered-outbox.ts"
import { StoreChanges } from "../../application/ports/store-changes.ts"
import { layerRememberedPrivacy } from "../../application/remembered-privacy.ts"
import { SessionId, UserId } from "../../domain/ids.ts"
import { newItem } from "../../test/support/items.ts"
import * as SqliteStores from "./stores.ts"
import * as SqliteOutbox from "./transcript-outbox.ts"

/** A service process's stores on `filename`: its own connection, with its privacy remembered. */
const processOn = (filename: string) =>
  Layer.fresh(
    layerRememberedPrivacy(10).pipe(
      Layer.provideMerge(SqliteStores.layer({ filename, lockDeadline: "1 second" }))
    )
  )

const user = UserId.make("user-1")
const session = SessionId.make("session-1")

describe("SQLite store and outbox changes", () => {
  it.scoped("tell another connection's commits, not this one's", () =>
    Effect.gen(function* () {
      const filename = join(mkdtempSync(join(tmpdir(), "coachup-changes-")), "coachup.sqlite")
      const process = yield* Layer.build(processOn(filename))
      const changes = Context.get(process, StoreChanges)
      const before = changes.byOthers()
      expect(Option.isSome(before)).toBe(true)
      yield* Context.get(process, PrivacySettingsStore).setUser(user, true)
      expect(changes.byOthers()).toEqual(before)
      const other = new DatabaseSync(filename)
      other.exec("UPDATE user_privacy SET opt_out = 0")
      other.close()
      expect(changes.byOthers()).not.toEqual(before)
    })
  )

  it.scoped("make a process read the privacy settings another process changed on the file", () =>
    Effect.gen(function* () {
      const filename = join(mkdtempSync(join(tmpdir(), "coachup-changes-")), "coachup.sqlite")
      const first = yield* Layer.build(processOn(filename))
      const second = yield* Layer.build(processOn(filename))
      const reader = Context.get(first, PrivacySettingsStore)
      const writer = Context.get(second, PrivacySettingsStore)
      expect(yield* reader.getOptOuts(user, session)).toEqual({ user: Option.none(), session: Option.none() })
      yield* writer.setSession(session, true)
      // Remembered from before the other process's change, and answered again it would persist the text.
      expect(yield* reader.getOptOuts(user, session)).toEqual({
        user: Option.none(),
        session: Option.some(true)
      })
      yield* writer.setUser(user, true)
      expect(yield* reader.getUser(user)).toEqual(Option.some(true))
    })
  )

  it.scoped("make a process ask the outbox again once another process queued a write of the session", () =>
    Effect.gen(function* () {
      const filename = join(mkdtempSync(join(tmpdir(), "coachup-changes-")), "outbox.sqlite")
      const outboxOn = () =>
        Layer.build(
          Layer.fresh(
            layerRememberedOutbox(10).pipe(Layer.provide(SqliteOutbox.layer({ filename, capacity: 10 })))
          )
        )
      const reader = Context.get(yield* outboxOn(), TranscriptOutbox)
      const writer = Context.get(yield* outboxOn(), TranscriptOutbox)
      expect(yield* reader.holds(session)).toBe(false)
      yield* writer.enqueue({
        item: newItem({ sessionId: session, messageId: "m1" }),
        userId: user,
        write: "append",
        queuedAt: 1
      })
      // Remembered as empty before the other process's write, and answered again it would let a write overtake it.
      expect(yield* reader.holds(session)).toBe(true)
    })
  )
})
