import { join } from "node:path"
import { Config, Duration, Effect, Layer } from "effect"
import { ReplyWriters } from "../../application/ports/reply-writers.ts"
import { StoreCalls } from "../../application/ports/store-calls.ts"
import * as StoreGuard from "../../application/store-guard.ts"
import * as Assessments from "./assessment-queue.ts"
import * as Database from "./database.ts"
import * as Interactions from "./interaction-store.ts"
import * as Privacy from "./privacy-settings-store.ts"
import * as RateLimits from "./rate-limit-store.ts"
import * as Changes from "./store-changes.ts"
import * as Owners from "./session-owners.ts"
import * as Transcripts from "./transcript-store.ts"

/**
 * Every store on one SQLite file (`:memory:` for none), opened and migrated here and closed with
 * the layer: the `embedded` deployment. The rate limiter's buckets are in the file too, so every
 * process on it spends one budget.
 */
export const layer = (options: Database.SqliteOptions & { readonly sharedByProcesses?: boolean }) =>
  Layer.mergeAll(
    Transcripts.layer,
    Privacy.layer,
    Owners.layer,
    Interactions.layer,
    Assessments.layer,
    // A tenth of the store's deadline: the request's own write may then wait for the same lock.
    RateLimits.layer({ lockWait: Duration.times(Duration.decode(options.lockDeadline), 0.1) }),
    StoreCalls.onCallerThread,
    Changes.layer,
    // A process starting on a file that others serve from must not take their replies for abandoned.
    options.sharedByProcesses === true ? ReplyWriters.manyProcesses : ReplyWriters.onlyThisProcess
  ).pipe(Layer.provide(Database.layer(options)))

/**
 * What `layerConfig` reads: the data directory, the store deadline that bounds a wait for a lock,
 * and whether several service processes serve from the file.
 */
export const config = Config.all({
  dataDir: Config.string("DATA_DIR").pipe(Config.withDefault("./data")),
  lockDeadline: StoreGuard.config,
  sharedByProcesses: Config.boolean("SQLITE_SHARED_BY_PROCESSES").pipe(Config.withDefault(false))
})

/** The file `coachup.sqlite` under `DATA_DIR`. */
export const layerConfig = Layer.unwrapEffect(
  Effect.map(config, ({ dataDir, lockDeadline, sharedByProcesses }) =>
    layer({ filename: join(dataDir, "coachup.sqlite"), lockDeadline, sharedByProcesses })
  )
)
