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

  it("keeps the transcript in the sprint's interactions table, read by session and by group", async () => {
    const t = convexTest(schema, modules)
    const append = (messageId: string, ts: number, groupId?: string) =>
      t.mutation(api.transcripts.append, {
        secret: SECRET,
        now: 50_000 + ts,
        item: {
          sessionId: "s",
          messageId,
          role: "user",
          text: `text of ${messageId}`,
          contentHash: `hash of ${messageId}`,
          ts,
          ...(groupId === undefined ? {} : { groupId })
        }
      })
    await append("m-1", 1_000, "g-1")
    await append("m-2", 1_000)
    await append("m-3", 2_000, "g-1")
    const rows = await t.run(async (ctx) => ({
      session: await ctx.db
        .query("interactions")
        .withIndex("by_session", (q) => q.eq("sessionId", "s"))
        .collect(),
      group: await ctx.db
        .query("interactions")
        .withIndex("by_group", (q) => q.eq("groupId", "g-1"))
        .collect()
    }))
    expect(rows.session.map(({ messageId, seq, createdAt }) => [messageId, seq, createdAt])).toEqual([
      ["m-1", 1, 51_000],
      ["m-2", 2, 51_000],
      ["m-3", 3, 52_000]
    ])
    expect(rows.group.map((row) => row.messageId)).toEqual(["m-1", "m-3"])
    expect(Object.keys(rows.session[0]!).sort()).toEqual(
      [
        "_creationTime",
        "_id",
        "contentHash",
        "createdAt",
        "groupId",
        "messageId",
        "role",
        "seq",
        "sessionId",
        "text",
        "ts"
      ].sort()
    )
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
