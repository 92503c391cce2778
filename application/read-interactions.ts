import { Effect } from "effect"
import type { SessionId } from "../domain/ids.ts"
import { InteractionStore } from "./ports/interaction-store.ts"
import { spanWhenTraced } from "./traced.ts"

/** A session's interaction groups, oldest first. */
export const ReadInteractions = Effect.fnUntraced(function* (sessionId: SessionId) {
  const store = yield* InteractionStore
  return yield* store.groups(sessionId)
}, spanWhenTraced("ReadInteractions"))
