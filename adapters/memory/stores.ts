import { Layer } from "effect"
import { ReplyWriters } from "../../application/ports/reply-writers.ts"
import { StoreCalls } from "../../application/ports/store-calls.ts"
import { StoreChanges } from "../../application/ports/store-changes.ts"
import * as Assessments from "./assessment-queue.ts"
import * as Interactions from "./interaction-store.ts"
import { SessionDirectory } from "./session-directory.ts"
import { SessionTombstones } from "./session-tombstones.ts"
import * as Privacy from "./privacy-settings-store.ts"
import * as RateLimits from "./rate-limit-store.ts"
import * as Owners from "./session-owners.ts"
import * as Transcripts from "./transcript-store.ts"

/**
 * Every store in process memory, nothing on disk: the `test` deployment. The interaction store
 * queues assessments into the jobs table the queue reads; the transcript store keeps the summaries
 * of the sessions the owners store lists; both stores keep one table of deleted sessions' tombstones,
 * and the interaction store reads the order of a session's messages from the transcript store's table.
 * Rate limits are this process's (bounded) buckets.
 */
export const layer = Layer.mergeAll(
  Transcripts.layer,
  Privacy.layer,
  Owners.layer,
  Interactions.layer,
  Assessments.layer,
  RateLimits.layer,
  StoreCalls.onCallerThread,
  StoreChanges.onlyThisProcess,
  ReplyWriters.onlyThisProcess
).pipe(
  Layer.provide(
    Layer.mergeAll(
      Assessments.AssessmentJobTable.layer,
      SessionDirectory.layer,
      SessionTombstones.layer,
      Transcripts.StoredTranscripts.layer
    )
  )
)
