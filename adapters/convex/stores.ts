import { Layer } from "effect"
import { ReplyWriters } from "../../application/ports/reply-writers.ts"
import { StoreCalls } from "../../application/ports/store-calls.ts"
import { StoreChanges } from "../../application/ports/store-changes.ts"
import * as Assessments from "./assessment-queue.ts"
import * as Interactions from "./interaction-store.ts"
import * as Privacy from "./privacy-settings-store.ts"
import * as RateLimits from "./rate-limit-store.ts"
import * as Owners from "./session-owners.ts"
import * as Transcripts from "./transcript-store.ts"

/**
 * Every store on a Convex deployment (the `ConvexBackend` given: a deployment, or convex-test):
 * the `convex` deployment. Calls go over the network, so each gets a deadline. Rate limits are the
 * deployment's rate limiter component's, shared by every process.
 */
export const layer = Layer.mergeAll(
  Transcripts.layer,
  Privacy.layer,
  Owners.layer,
  Interactions.layer,
  Assessments.layer,
  RateLimits.layer,
  StoreCalls.overNetwork,
  StoreChanges.untold,
  ReplyWriters.manyProcesses
)
