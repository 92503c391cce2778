import * as MemoryStores from "../../adapters/memory/stores.ts"
import * as MemoryRateLimits from "../../adapters/memory/rate-limit-store.ts"
import * as MemoryOutbox from "../../adapters/memory/transcript-outbox.ts"
import * as SqliteStores from "../../adapters/sqlite/stores.ts"
import * as SqliteOutbox from "../../adapters/sqlite/transcript-outbox.ts"
import { assessmentQueueContract } from "./assessment-queue.contract.ts"
import { interactionStoreContract } from "./interaction-store.contract.ts"
import { privacySettingsStoreContract } from "./privacy-settings-store.contract.ts"
import { rateLimitStoreContract } from "./rate-limit-store.contract.ts"
import { sessionOwnersContract } from "./session-owners.contract.ts"
import { transcriptOutboxContract } from "./transcript-outbox.contract.ts"
import { transcriptStoreContract } from "./transcript-store.contract.ts"

const sqlite = () => SqliteStores.layer({ filename: ":memory:", lockDeadline: "2 seconds" })

transcriptStoreContract("memory", () => MemoryStores.layer)
transcriptStoreContract("sqlite", sqlite)

privacySettingsStoreContract("memory", () => MemoryStores.layer)
privacySettingsStoreContract("sqlite", sqlite)

sessionOwnersContract("memory", () => MemoryStores.layer)
sessionOwnersContract("sqlite", sqlite)

interactionStoreContract("memory", () => MemoryStores.layer)
interactionStoreContract("sqlite", sqlite)

assessmentQueueContract("memory", () => MemoryStores.layer)
assessmentQueueContract("sqlite", sqlite)

transcriptOutboxContract("memory", (capacity) => MemoryOutbox.layer({ capacity }))
transcriptOutboxContract("sqlite", (capacity) => SqliteOutbox.layer({ filename: ":memory:", capacity }))

rateLimitStoreContract("memory", () => MemoryRateLimits.layer, { followsTestClock: true })
rateLimitStoreContract("sqlite", sqlite, { followsTestClock: true })
