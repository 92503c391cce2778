import { afterAll, beforeAll, expect, it } from "vitest"
import { Effect } from "effect"
import type { PrivacySettingsStore } from "../../application/ports/privacy-settings-store.ts"
import { TranscriptStore } from "../../application/ports/transcript-store.ts"
import { memoryStores } from "../../bootstrap/layers.ts"
import { SessionId } from "../../domain/ids.ts"
import { startService, type TestService } from "../support/service.ts"

let service: TestService<TranscriptStore | PrivacySettingsStore>
beforeAll(async () => {
  service = await startService({ stores: memoryStores, env: { PERSIST_TRANSCRIPTS_ENABLED: "false" } })
})
afterAll(() => service.close())

it("PERSIST_TRANSCRIPTS_ENABLED=false persists nothing for anyone, whatever the settings say", async () => {
  await service.request("PUT", "/sessions/off-1/privacy", { body: { transcriptPersistenceOptOut: false } })
  const reply = await service.request("POST", "/messages/ingest", {
    body: { sessionId: "off-1", messageId: "off-1-a", role: "user", text: "hello" }
  })
  expect(reply.body).toMatchObject({ persisted: false, skippedReason: "persistence_disabled" })
  const items = await service.run(
    Effect.flatMap(TranscriptStore, (store) => store.lastN(SessionId.make("off-1"), 10))
  )
  expect(items).toEqual([])
  const context = await service.request("GET", "/sessions/off-1/context?for=chat")
  expect(context.body).toMatchObject({
    source: "memory",
    reason: "not_persisted",
    messages: [{ text: "hello" }]
  })
})
