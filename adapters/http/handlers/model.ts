import { HttpApiBuilder } from "@effect/platform"
import { Effect } from "effect"
import { ChatModel } from "../../../application/ports/chat-model.ts"
import { CoachUpApi } from "../api.ts"

/** The model that answers chat turns, so the web app can say how to connect one when none is. */
export const ModelLive = HttpApiBuilder.group(CoachUpApi, "model", (handlers) =>
  handlers.handle("chatModel", () =>
    Effect.map(ChatModel, ({ provider, model }) => ({ provider, model, offline: provider === "offline" }))
  )
)
