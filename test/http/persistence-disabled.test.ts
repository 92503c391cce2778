import { afterAll, beforeAll, expect, it } from "vitest"
import { Effect } from "effect"
import type { PrivacySettingsStore } from "../../application/ports/privacy-settings-store.ts"
import { TranscriptStore } from "../../application/ports/transcript-store.ts"
import { memoryStores } from "../../bootstrap/layers.ts"
import { SessionId } from "../../domain/ids.ts"
import { ingestMessage, sessionContext, setSessionOptOut } from "../support/api-client.ts"
import { startService, type TestService } from "../support/service.ts"

let service: TestService<TranscriptStore | PrivacySettingsStore>
beforeAll(async () => {
  service = await startService({ stores: memoryStores, env: { PERSIST_TRANSCRIPTS_ENABLED: "false" } })
})
afterAll(() => service.close())

it("PERSIST_TRANSCRIPTS_ENABLED=false persists nothing for anyone, whatever the settings say", async () => {
  await service.call(setSessionOptOut("off-1", false))
  const reply = await service.call(
    ingestMessage({ sessionId: "off-1", messageId: "off-1-a", role: "user", text: "hello" })
  )
  expect(reply).toMatchObject({ persisted: false, skippedReason: "persistence_disabled" })
  const items = await service.run(
    Effect.flatMap(TranscriptStore, (store) => store.lastN(SessionId.make("off-1"), 10))
  )
  expect(items).toEqual([])
  const context = await service.call(sessionContext("off-1", "chat"))
  expect(context).toMatchObject({
    source: "memory",
    reason: "not_persisted",
    messages: [{ text: "hello" }]
  })
})
