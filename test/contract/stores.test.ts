import { Layer } from "effect"
import * as MemoryAssessments from "../../adapters/memory/assessment-queue.ts"
import * as MemoryInteractions from "../../adapters/memory/interaction-store.ts"
import * as MemoryPrivacy from "../../adapters/memory/privacy-settings-store.ts"
import * as MemoryTranscripts from "../../adapters/memory/transcript-store.ts"
import * as SqliteDatabase from "../../adapters/sqlite/database.ts"
import * as SqliteAssessments from "../../adapters/sqlite/assessment-queue.ts"
import * as SqliteInteractions from "../../adapters/sqlite/interaction-store.ts"
import * as SqlitePrivacy from "../../adapters/sqlite/privacy-settings-store.ts"
import * as SqliteTranscripts from "../../adapters/sqlite/transcript-store.ts"
import { assessmentQueueContract } from "./assessment-queue.contract.ts"
import { interactionStoreContract } from "./interaction-store.contract.ts"
import { privacySettingsStoreContract } from "./privacy-settings-store.contract.ts"
import { transcriptStoreContract } from "./transcript-store.contract.ts"

const sqlite = () => SqliteDatabase.layer({ filename: ":memory:" })

transcriptStoreContract("memory", () => MemoryTranscripts.layer)
transcriptStoreContract("sqlite", () => SqliteTranscripts.layer.pipe(Layer.provide(sqlite())))

privacySettingsStoreContract("memory", () => MemoryPrivacy.layer)
privacySettingsStoreContract("sqlite", () => SqlitePrivacy.layer.pipe(Layer.provide(sqlite())))

interactionStoreContract("memory", () =>
  MemoryInteractions.layer.pipe(Layer.provide(MemoryAssessments.AssessmentJobTable.layer))
)
interactionStoreContract("sqlite", () => SqliteInteractions.layer.pipe(Layer.provide(sqlite())))

assessmentQueueContract("memory", () =>
  Layer.merge(MemoryInteractions.layer, MemoryAssessments.layer).pipe(
    Layer.provide(MemoryAssessments.AssessmentJobTable.layer)
  )
)
assessmentQueueContract("sqlite", () =>
  Layer.merge(SqliteInteractions.layer, SqliteAssessments.layer).pipe(Layer.provide(sqlite()))
)
