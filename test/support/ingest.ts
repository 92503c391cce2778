import { Effect } from "effect"
import { classifyInline } from "../../application/classify-boundary.ts"
import { type IngestCommand, IngestMessage } from "../../application/ingest-message.ts"
import { withSessionPersistence } from "../../application/session-persistence.ts"

/** A message ingested as `POST /messages/ingest` takes it: recorded, then a user message classified. */
export const ingestAndClassify = (command: IngestCommand) =>
  Effect.gen(function* () {
    const ingested = yield* IngestMessage(command)
    return { ...ingested, classification: yield* classifyInline(command, ingested) }
  }).pipe(withSessionPersistence(command.userId, command.sessionId))
