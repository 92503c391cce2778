/// <reference types="vite/client" />
import { randomUUID } from "node:crypto"
import { describe, expect, it } from "@effect/vitest"
import rateLimiterComponent from "@convex-dev/rate-limiter/test"
import { convexTest } from "convex-test"
import { Effect, Layer, Redacted, TestClock } from "effect"
import { afterAll, beforeAll, vi } from "vitest"
import * as Convex from "../../adapters/convex/backend.ts"
import { api } from "../../adapters/convex/functions/_generated/api.js"
import schema from "../../adapters/convex/functions/schema.ts"
import * as ConvexStores from "../../adapters/convex/stores.ts"
import { TranscriptStore } from "../../application/ports/transcript-store.ts"
import { SessionId } from "../../domain/ids.ts"
import { newItem } from "../support/items.ts"
import { namespaced } from "../support/namespaced-store.ts"
import { assessmentQueueContract } from "./assessment-queue.contract.ts"
import { interactionStoreContract } from "./interaction-store.contract.ts"
import { privacySettingsStoreContract } from "./privacy-settings-store.contract.ts"
import { rateLimitStoreContract } from "./rate-limit-store.contract.ts"
import { sessionOwnersContract } from "./session-owners.contract.ts"
import { transcriptStoreContract } from "./transcript-store.contract.ts"

const SECRET = "contract-test-secret"
const modules = import.meta.glob("../../adapters/convex/functions/**/!(*.*.*)*.*s")
beforeAll(() => {
  vi.stubEnv("CONVEX_SERVER_SECRET", SECRET)
})
afterAll(() => {
  vi.unstubAllEnvs()
})

/** A fresh in-process Convex backend (convex-test) running the real functions and schema. */
const backend = () =>
  Layer.sync(Convex.ConvexBackend, () => {
    // convex-test's query and mutation take the client's arguments; only its generic types differ.
    const t = convexTest(schema, modules)
    rateLimiterComponent.register(t)
    const caller = t as unknown as Convex.ConvexCaller
    return { caller, secret: Redacted.make(SECRET) }
  })

const stores = () => ConvexStores.layer.pipe(Layer.provide(backend()))

transcriptStoreContract("convex (convex-test)", stores)
privacySettingsStoreContract("convex (convex-test)", stores)
sessionOwnersContract("convex (convex-test)", stores)
interactionStoreContract("convex (convex-test)", stores)
assessmentQueueContract("convex (convex-test)", stores)
rateLimitStoreContract("convex (convex-test)", stores, { followsTestClock: false })

const live = {
  url: process.env["CONVEX_URL"],
  secret: process.env["CONVEX_SERVER_SECRET_LIVE"] ?? process.env["CONVEX_SERVER_SECRET"]
}
if (live.url === undefined)
  console.info(
    "test/contract/convex: live deployment suites skipped — set CONVEX_URL and CONVEX_SERVER_SECRET"
  )
describe.skipIf(live.url === undefined)("live Convex deployment", () => {
  const deployment = () => Convex.layer({ url: live.url!, secret: Redacted.make(live.secret ?? "") })
  const space = () => namespaced(`contract-${randomUUID()}-`)
  transcriptStoreContract("convex (live deployment)", () => {
    const { transcripts } = space()
    return transcripts.pipe(Layer.provide(ConvexStores.layer), Layer.provide(deployment()))
  })
  privacySettingsStoreContract("convex (live deployment)", () => {
    const { privacy } = space()
    return privacy.pipe(Layer.provide(ConvexStores.layer), Layer.provide(deployment()))
  })
})

describe("Convex functions", () => {
  it("refuse a caller without the server secret, or any caller when the deployment has none", async () => {
    const t = convexTest(schema, modules)
    await expect(
      t.query(api.transcripts.lastN, { secret: "guess", sessionId: "s", limit: 1 })
    ).rejects.toThrow(/forbidden/)
    await expect(t.mutation(api.privacy.setUser, { secret: "", userId: "u", optOut: true })).rejects.toThrow(
      /forbidden/
    )
    vi.stubEnv("CONVEX_SERVER_SECRET", "")
    await expect(t.query(api.transcripts.ping, { secret: "" })).rejects.toThrow(/forbidden/)
    vi.stubEnv("CONVEX_SERVER_SECRET", SECRET)
    expect(await t.query(api.transcripts.ping, { secret: SECRET })).toBe("ok")
  })

  it.effect("50 concurrent appends of one messageId store one document", () =>
    Effect.gen(function* () {
      const store = yield* TranscriptStore
      const results = yield* Effect.all(
        Array.from({ length: 50 }, () => store.append(newItem({ messageId: "same", text: "same words" }))),
        { concurrency: "unbounded" }
      )
      expect(results.filter((result) => result._tag === "Inserted")).toHaveLength(1)
      expect(results.filter((result) => result._tag === "Duplicate")).toHaveLength(49)
      expect(yield* store.lastN(SessionId.make("session-1"), 100)).toHaveLength(1)
    }).pipe(Effect.provide(stores()))
  )

  it("the retention sweep dates a message from before createdAt by its ts, at most the sweep's time", async () => {
    const t = convexTest(schema, modules)
    await t.run(async (ctx) => {
      const undated = [
        ["past", 1_000],
        ["future", 8_640_000_000_000_000],
        ["recent", 9_000]
      ] as const
      for (const [index, [messageId, ts]] of undated.entries())
        await ctx.db.insert("messages", {
          sessionId: "s",
          messageId,
          seq: index + 1,
          ts,
          role: "user",
          text: "t",
          contentHash: "h"
        })
    })
    const sweep = (cutoff: number, now: number) =>
      t.mutation(api.transcripts.deleteOlderThanBatch, { secret: SECRET, cutoff, now })
    const dated = () =>
      t.run(async (ctx) =>
        (await ctx.db.query("messages").collect()).map((message) => [message.messageId, message.createdAt])
      )

    // At 10 000, keeping 5 000 ms: `past` goes; `future` counts from the sweep, `recent` from its ts.
    expect(await sweep(5_000, 10_000)).toEqual({ deleted: 1, more: false })
    expect(await dated()).toEqual([
      ["future", 10_000],
      ["recent", 9_000]
    ])
    expect(await sweep(9_500, 20_000)).toEqual({ deleted: 1, more: false })
    expect(await dated()).toEqual([["future", 10_000]])
  })

  it.effect(
    "the abandoned-reply sweep leases and finishes more replies than one batch, batch by batch",
    () =>
      Effect.gen(function* () {
        const store = yield* TranscriptStore
        yield* Effect.forEach(
          Array.from({ length: 230 }, (_, i) =>
            newItem({
              messageId: `r${i}`,
              role: "assistant",
              text: "",
              status: "in_progress",
              sessionId: `s${i % 3}`
            })
          ),
          (item) => store.append(item)
        )
        expect(yield* store.finishAbandonedReplies({ leaseEndedBefore: 1_000, unleasedUntil: 5_000 })).toBe(0)
        expect(yield* store.finishAbandonedReplies({ leaseEndedBefore: 6_000, unleasedUntil: 9_000 })).toBe(
          230
        )
        const [reply] = yield* store.lastN(SessionId.make("s1"), 1)
        expect(reply).toMatchObject({ status: "incomplete" })
      }).pipe(Effect.provide(stores())),
    60_000
  )

  it.effect(
    "the retention sweep deletes more rows than one batch, batch by batch",
    () =>
      Effect.gen(function* () {
        const store = yield* TranscriptStore
        yield* TestClock.setTime(1_000)
        yield* Effect.forEach(
          Array.from({ length: 1_203 }, (_, i) =>
            newItem({ messageId: `old-${i}`, ts: i, sessionId: `s${i % 4}` })
          ),
          (item) => store.append(item)
        )
        yield* TestClock.setTime(5_000)
        yield* store.append(newItem({ messageId: "fresh", ts: 5_000 }))
        expect(yield* store.deleteOlderThan(2_000)).toBe(1_203)
        expect((yield* store.lastN(SessionId.make("session-1"), 10)).map((item) => item.messageId)).toEqual([
          "fresh"
        ])
      }).pipe(Effect.provide(stores())),
    60_000
  )
})
