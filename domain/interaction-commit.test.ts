import { describe, expect, it } from "@effect/vitest"
import {
  type CommitBasis,
  type CommitRequest,
  groupsNamedBy,
  planInteractionCommit
} from "./interaction-commit.ts"

const classification = {
  messageId: "m2",
  sessionId: "s",
  decision: "end",
  applied: "end",
  confidence: 0.9,
  groupId: "g1",
  at: 200
} as const
/** m2 ends the open group g1. */
const ending: CommitRequest = {
  sessionId: "s",
  expectedVersion: 3,
  state: {},
  classification,
  effects: [
    { _tag: "Closed", groupId: "g1", reason: "ended", messages: 2 },
    { _tag: "AssessmentRequested", groupId: "g1" }
  ],
  at: 200,
  requestId: "r2"
}
const stored: CommitBasis = { version: 3, classified: false, groups: ["g1"], queued: [] }

describe("planInteractionCommit", () => {
  it("refuses a message classified already before looking at the version", () => {
    expect(planInteractionCommit(ending, { ...stored, version: 7, classified: true })).toBe("duplicate")
    expect(planInteractionCommit(ending, { ...stored, version: 4 })).toBe("stale")
  })

  it("refuses a classification whose predecessor is not classified yet, unless it skips it", () => {
    const waiting = { ...stored, predecessor: { messageId: "m1", acceptedAt: 150, classified: false } }
    expect(planInteractionCommit(ending, waiting)).toEqual({
      _tag: "OutOfOrder",
      predecessor: "m1",
      predecessorAcceptedAt: 150
    })
    expect(planInteractionCommit(ending, { ...waiting, version: 4 })).toMatchObject({ _tag: "OutOfOrder" })
    expect(planInteractionCommit(ending, { ...waiting, classified: true })).toBe("duplicate")
    expect(planInteractionCommit({ ...ending, skipsPredecessor: true }, waiting)).toMatchObject({
      session: { version: 4 }
    })
    expect(
      planInteractionCommit(ending, { ...stored, predecessor: { ...waiting.predecessor, classified: true } })
    ).toMatchObject({ session: { version: 4 } })
  })

  it("bumps the version, keeps the classification, closes a stored group and queues its assessment", () => {
    expect(planInteractionCommit(ending, stored)).toEqual({
      session: { sessionId: "s", version: 4 },
      classification,
      insertGroups: [],
      updateGroups: [
        {
          groupId: "g1",
          changes: {
            status: "closed",
            closedAt: 200,
            closeReason: "ended",
            messages: 2,
            assessmentRequested: true
          }
        }
      ],
      queueJobs: [{ groupId: "g1", sessionId: "s", queuedAt: 200, requestId: "r2" }]
    })
  })

  it("queues a group's assessment once", () => {
    const plan = planInteractionCommit(ending, { ...stored, queued: ["g1"] })
    expect(plan).toMatchObject({ queueJobs: [] })
  })

  it("changes nothing of a group neither stored nor opened by the commit", () => {
    expect(planInteractionCommit(ending, { ...stored, groups: [] })).toMatchObject({
      updateGroups: [],
      queueJobs: []
    })
  })

  it("inserts a one-off group as it stands after the commit, and counts an open group's messages", () => {
    const oneOff: CommitRequest = {
      sessionId: "s",
      expectedVersion: 0,
      state: { open: { groupId: "g-open", openedAt: 50, lastActivityAt: 300, messages: 4 } },
      effects: [
        { _tag: "Opened", groupId: "g2" },
        { _tag: "Closed", groupId: "g2", reason: "ended", messages: 1 },
        { _tag: "AssessmentRequested", groupId: "g2" }
      ],
      at: 300
    }
    expect(groupsNamedBy(oneOff)).toEqual(["g2", "g-open"])
    expect(
      planInteractionCommit(oneOff, { version: 0, classified: true, groups: ["g-open"], queued: [] })
    ).toEqual({
      session: {
        sessionId: "s",
        version: 1,
        open: { groupId: "g-open", openedAt: 50, lastActivityAt: 300, messages: 4 }
      },
      insertGroups: [
        {
          groupId: "g2",
          sessionId: "s",
          status: "closed",
          openedAt: 300,
          closedAt: 300,
          closeReason: "ended",
          messages: 1,
          assessmentRequested: true
        }
      ],
      updateGroups: [{ groupId: "g-open", changes: { messages: 4 } }],
      queueJobs: [{ groupId: "g2", sessionId: "s", queuedAt: 300 }]
    })
  })
})
