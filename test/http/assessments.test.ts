import { join } from "node:path"
import { DatabaseSync } from "node:sqlite"
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest"
import { NotFound } from "../../adapters/http/api-errors.ts"
import {
  deleteSession,
  groupAssessment,
  ingestMessage,
  sessionPath,
  setSessionOptOut,
  userMessageClassified
} from "../support/api-client.ts"
import { parseSamples, valueOf } from "../support/prometheus-text.ts"
import { startEmbeddedService } from "../support/service.ts"

let service: Awaited<ReturnType<typeof startEmbeddedService>>
beforeAll(async () => {
  service = await startEmbeddedService()
})
afterAll(() => service.close())

const say = (sessionId: string, messageId: string, text: string) =>
  service.call(userMessageClassified({ sessionId, messageId, text }))
const coach = (sessionId: string, messageId: string, text: string) =>
  service.call(ingestMessage({ sessionId, messageId, role: "assistant", text }))
const assessments = async (sessionId: string) =>
  (await service.call((client) => client.assessments.sessionAssessments(sessionPath(sessionId)))).assessments
/** The group's assessment once a worker settled it; bounded as before by 5 s. */
const completed = (groupId: string) =>
  vi.waitFor(
    async () => {
      const assessment = await service.call(groupAssessment(groupId))
      expect(["completed", "failed"]).toContain(assessment.status)
      return assessment
    },
    { timeout: 5_000, interval: 25 }
  )
const sqlite = () => new DatabaseSync(join(service.dataDir, "coachup.sqlite"), { readOnly: true })

describe("assessments over HTTP on SQLite", () => {
  it("a role play that ends is assessed once, against the versioned rubric, readable by group and session", async () => {
    await say("rp", "rp-0", "Hi coach!")
    const start = await say("rp", "rp-1", "Can we role play a salary negotiation? You be my manager.")
    const group = start.groupId!
    await coach("rp", "rp-2", "Of course. What would you like to discuss today?")
    await say("rp", "rp-3", "I need a raise because I delivered three projects early this year.")
    await say("rp", "rp-4", "I understand budgets are tight. What could you offer?")
    const end = await say("rp", "rp-5", "Okay, let's stop the role play here. How did I do?")
    expect(end).toMatchObject({ decision: "end", groupId: group })
    await say("rp", "rp-6", "Thanks!")

    const assessment = await completed(group)
    expect(assessment).toMatchObject({
      groupId: group,
      status: "completed",
      attempts: 1,
      failureReason: null
    })
    expect(assessment.result).toMatchObject({
      rubricVersion: "communication-v1",
      assessor: "offline-heuristic",
      heuristic: true
    })
    expect(assessment.result!.scores.map((score) => score.criterion)).toEqual([
      "clarity",
      "structure",
      "empathy",
      "assertiveness"
    ])
    // Labels come from the rubric; every justification is the offline assessor's, saying what it counted.
    expect(assessment.result!.scores.map((score) => score.label)).toEqual([
      "Clarity",
      "Structure",
      "Empathy",
      "Assertiveness"
    ])
    for (const score of assessment.result!.scores) expect(score.justification).toMatch(/^Heuristic: /)
    expect(assessment.result!.summary).toMatch(/^Heuristic assessment/)
    // The group's four user messages, from the opener to the closing one; the chatter around it is not in it.
    expect(assessment.result!.summary).toContain("4 user messages")
    expect(await assessments("rp")).toEqual([assessment])
  })

  it("a one-off is assessed on its own; chatter queues nothing", async () => {
    for (const [messageId, text] of [
      ["chatter-1", "Hi coach!"],
      ["chatter-2", "Thanks, that was helpful."],
      ["chatter-3", "Bye!"]
    ] as const)
      expect((await say("chatter-only", messageId, text)).groupId).toBeNull()
    await say("mixed", "mixed-1", "Hi coach!")
    const oneOff = await say(
      "mixed",
      "mixed-2",
      "Can you give me feedback on this opener: 'I need your help today'?"
    )
    expect(oneOff.decision).toBe("one_off")
    await say("mixed", "mixed-3", "Thanks!")
    const assessment = await completed(oneOff.groupId!)
    expect(assessment.result!.summary).toContain("1 user message:")
    expect((await assessments("mixed")).map((item) => item.groupId)).toEqual([oneOff.groupId])
    // By now the worker has taken the one-off, queued after the chatter; nothing was queued for the chatter.
    expect(await assessments("chatter-only")).toEqual([])
  })

  it("an unknown group answers 404 in the error envelope", async () => {
    const reply = await service.request("GET", "/groups/no-such-group/assessment")
    expect(reply.status).toBe(404)
    expect(reply.body).toMatchObject({ error: { code: "assessment_not_found" } })
  })

  it("an opted-out session is assessed from memory: the result is readable, nothing of it is stored", async () => {
    const marker = "ZEBRA-OPTOUT-MARKER"
    await service.call(setSessionOptOut("private", true))
    const start = await say("private", "private-1", `Let's practise a hard talk with my landlord ${marker}.`)
    await say("private", "private-2", `I need the heating fixed this week ${marker}.`)
    const end = await say("private", "private-3", "That's all for now.")
    const group = start.groupId!
    expect(end.groupId).toBe(group)

    const assessment = await completed(group)
    expect(assessment.status).toBe("completed")
    expect(assessment.result?.summary).toContain("3 user messages")
    const db = sqlite()
    try {
      const job = db.prepare("SELECT * FROM assessment_jobs WHERE group_id = ?").get(group) as Record<
        string,
        unknown
      >
      expect(job).toMatchObject({ status: "completed", result_location: "memory", result: null })
      const dump = JSON.stringify(db.prepare("SELECT * FROM assessment_jobs").all())
      expect(dump).not.toContain(marker)
      expect(db.prepare("SELECT COUNT(*) AS n FROM messages WHERE session_id = 'private'").get()).toEqual({
        n: 0
      })
    } finally {
      db.close()
    }
  })

  it("deleting a session deletes its assessments", async () => {
    const oneOff = await say("doomed", "doomed-1", "Can you give me feedback on this opener: 'Hello team'?")
    await completed(oneOff.groupId!)
    await service.call(deleteSession("doomed"))
    expect(await service.failure(groupAssessment(oneOff.groupId!))).toBeInstanceOf(NotFound)
    expect(await assessments("doomed")).toEqual([])
  })

  it("exports the assessment metrics: jobs by outcome, duration, queue depth", async () => {
    const group = (
      await say("metered", "metered-1", "Can you give me feedback on this opener: 'Quick question'?")
    ).groupId!
    await completed(group)
    // The depth gauge is read when the workers start and every five seconds after.
    const metrics = parseSamples((await service.request("GET", "/metrics")).text)
    const sample = (name: string, labels: Record<string, string> = {}) => valueOf(metrics, name, labels)
    expect(sample("coachup_assessment_jobs_total", { outcome: "queued" })).toBeGreaterThanOrEqual(1)
    expect(sample("coachup_assessment_jobs_total", { outcome: "completed" })).toBeGreaterThanOrEqual(1)
    expect(sample("coachup_assessment_duration_seconds_count")).toBeGreaterThanOrEqual(1)
    expect(sample("coachup_assessment_queue_depth", { state: "pending" })).toBeGreaterThanOrEqual(0)
  })
})
