import { mkdtemp, rm } from "node:fs/promises"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterAll, beforeAll, expect, it } from "vitest"
import { embeddedStores } from "../../bootstrap/layers.ts"
import { ingestMessage, sessionContext, sessionMessages, setUserOptOut } from "../support/api-client.ts"
import { startService } from "../support/service.ts"

let dataDir: string
beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), "coachup-embedded-"))
})
afterAll(() => rm(dataDir, { recursive: true, force: true }))

const erin = { headers: { "x-user-id": "erin" } }
const start = () => startService({ stores: embeddedStores, env: { DATA_DIR: dataDir } })

it("keeps transcripts and privacy settings in the SQLite file across restarts", async () => {
  const first = await start()
  try {
    for (const [messageId, role, text] of [
      ["emb-1", "user", "Can we practise a salary talk?"],
      ["emb-2", "assistant", "Sure. I'm your manager."]
    ] as const) {
      const reply = await first.call(ingestMessage({ sessionId: "emb", messageId, role, text }))
      expect(reply).toMatchObject({ persisted: true })
    }
    await first.call(setUserOptOut(true), erin)
  } finally {
    await first.close()
  }

  const second = await start()
  try {
    const messages = await second.call(sessionMessages("emb"))
    expect(messages.items.map((i) => [i.seq, i.text])).toEqual([
      [1, "Can we practise a salary talk?"],
      [2, "Sure. I'm your manager."]
    ])
    const context = await second.call(sessionContext("emb", "chat"))
    expect(context).toMatchObject({
      source: "store",
      messages: [{ messageId: "emb-1" }, { messageId: "emb-2" }]
    })
    const privacy = await second.call((client) => client.privacy.getUserPrivacy(), erin)
    expect(privacy).toEqual({ userId: "erin", transcriptPersistenceOptOut: true })
    const repeat = await second.call(
      ingestMessage({
        sessionId: "emb",
        messageId: "emb-1",
        role: "user",
        text: "Can we practise a salary talk?"
      })
    )
    expect(repeat).toMatchObject({ persisted: true, duplicate: true })
  } finally {
    await second.close()
  }
})
