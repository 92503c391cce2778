import { mkdtemp, rm } from "node:fs/promises"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterAll, beforeAll, expect, it } from "vitest"
import { embeddedStores } from "../../bootstrap/layers.ts"
import { startService } from "../support/service.ts"

let dataDir: string
beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), "coachup-embedded-"))
})
afterAll(() => rm(dataDir, { recursive: true, force: true }))

const start = () => startService({ stores: embeddedStores, env: { DATA_DIR: dataDir } })

it("keeps transcripts and privacy settings in the SQLite file across restarts", async () => {
  const first = await start()
  try {
    for (const [messageId, role, text] of [
      ["emb-1", "user", "Can we practise a salary talk?"],
      ["emb-2", "assistant", "Sure. I'm your manager."]
    ]) {
      const reply = await first.request("POST", "/messages/ingest", {
        body: { sessionId: "emb", messageId, role, text }
      })
      expect(reply.body).toMatchObject({ persisted: true })
    }
    await first.request("PUT", "/settings/privacy", {
      headers: { "x-user-id": "erin" },
      body: { transcriptPersistenceOptOut: true }
    })
  } finally {
    await first.close()
  }

  const second = await start()
  try {
    const messages = await second.request("GET", "/sessions/emb/messages")
    expect(
      (messages.body as { items: Array<{ text: string; seq: number }> }).items.map((i) => [i.seq, i.text])
    ).toEqual([
      [1, "Can we practise a salary talk?"],
      [2, "Sure. I'm your manager."]
    ])
    const context = await second.request("GET", "/sessions/emb/context?for=chat")
    expect(context.body).toMatchObject({
      source: "store",
      messages: [{ messageId: "emb-1" }, { messageId: "emb-2" }]
    })
    const privacy = await second.request("GET", "/settings/privacy", { headers: { "x-user-id": "erin" } })
    expect(privacy.body).toEqual({ userId: "erin", transcriptPersistenceOptOut: true })
    const repeat = await second.request("POST", "/messages/ingest", {
      body: { sessionId: "emb", messageId: "emb-1", role: "user", text: "Can we practise a salary talk?" }
    })
    expect(repeat.body).toMatchObject({ persisted: true, duplicate: true })
  } finally {
    await second.close()
  }
})
