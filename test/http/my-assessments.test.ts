import { afterAll, beforeAll, describe, expect, it, vi } from "vitest"
import { memoryStores } from "../../bootstrap/layers.ts"
import { ingestMessage, userMessageClassified } from "../support/api-client.ts"
import { startEmbeddedService, startService, type TestService } from "../support/service.ts"

const stores: ReadonlyArray<[string, () => Promise<TestService & { readonly close: () => Promise<void> }>]> =
  [
    ["SQLite", () => startEmbeddedService()],
    [
      "memory",
      () =>
        startService({ stores: memoryStores, env: { OFFLINE_TOKEN_DELAY_MS: "0", ASSESSMENT_POLL_MS: "20" } })
    ]
  ]

describe.each(stores)("GET /me/assessments on %s", (_, start) => {
  let service: TestService
  beforeAll(async () => {
    service = await start()
  })
  afterAll(() => service.close())

  const as = (userId: string) => ({ headers: { "x-user-id": userId } })
  const mine = async (userId: string) =>
    (await service.call((client) => client.me.myAssessments(), as(userId))).assessments

  /** One role play, started and ended in `sessionId`; answers its group. */
  const rolePlay = async (userId: string, sessionId: string) => {
    const say = (messageId: string, text: string) =>
      service.call(userMessageClassified({ sessionId, messageId, text }), as(userId))
    const start = await say("m1", "Can we role play asking my manager for a raise? You be my manager.")
    await service.call(
      ingestMessage({ sessionId, messageId: "m2", role: "assistant", text: "Sure. What would you like?" }),
      as(userId)
    )
    await say("m3", "I led two launches this year, so I would like a ten percent raise.")
    await say("m4", "Okay, let's stop the role play here. How did I do?")
    return start.groupId!
  }

  it("answers my assessments across my sessions, oldest first, and nobody else's", async () => {
    const first = await rolePlay("ana", "ana-monday")
    const second = await rolePlay("ana", "ana-tuesday")
    const others = await rolePlay("ben", "ben-monday")

    const settled = await vi.waitFor(
      async () => {
        const assessments = await mine("ana")
        expect(assessments.map((assessment) => assessment.status)).toEqual(["completed", "completed"])
        return assessments
      },
      { timeout: 5_000, interval: 25 }
    )
    expect(settled.map((assessment) => [assessment.sessionId, assessment.groupId])).toEqual([
      ["ana-monday", first],
      ["ana-tuesday", second]
    ])
    expect(settled[0]!.queuedAt).toBeLessThanOrEqual(settled[1]!.queuedAt)
    expect(settled[0]!.result?.scores.length).toBeGreaterThan(0)
    expect((await mine("ben")).map((assessment) => assessment.groupId)).toEqual([others])
    expect(await mine("someone-new")).toEqual([])
  })
})
