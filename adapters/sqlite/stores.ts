import { Layer } from "effect"
import { StoreCalls } from "../../application/ports/store-calls.ts"
import * as Assessments from "./assessment-queue.ts"
import * as Database from "./database.ts"
import * as Interactions from "./interaction-store.ts"
import * as Privacy from "./privacy-settings-store.ts"
import * as Transcripts from "./transcript-store.ts"

/**
 * Every store on one SQLite file (`:memory:` for none), opened and migrated here and closed with
 * the layer: the `embedded` deployment.
 */
export const layer = (options: Database.SqliteOptions) =>
  Layer.mergeAll(
    Transcripts.layer,
    Privacy.layer,
    Interactions.layer,
    Assessments.layer,
    StoreCalls.onCallerThread
  ).pipe(Layer.provide(Database.layer(options)))
