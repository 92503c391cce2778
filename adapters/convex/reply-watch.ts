import { ConvexClient } from "convex/browser"
import { Effect, Layer, Option, Redacted, Stream } from "effect"
import { StoredReplyWatch } from "../../application/ports/stored-reply-watch.ts"
import type { StoredReply } from "../../application/ports/transcript-store.ts"
import { StoreUnavailable } from "../../domain/errors.ts"
import * as ConvexBackend from "./backend.ts"
import { api } from "./functions/_generated/api.js"
import { decodeStoredReply } from "./transcript-store.ts"

/**
 * `StoredReplyWatch` on a Convex deployment: a subscription to the `reply` query through the Convex
 * client's WebSocket, so a follower hears of each save as the deployment pushes it rather than asking.
 * The client connects on the first watch and closes with the layer.
 */
export const layer = (options: { readonly url: string; readonly secret: Redacted.Redacted<string> }) =>
  Layer.scoped(
    StoredReplyWatch,
    Effect.gen(function* () {
      let client: ConvexClient | undefined
      yield* Effect.addFinalizer(() =>
        client === undefined ? Effect.void : Effect.promise(() => client!.close())
      )
      const connected = () => (client ??= new ConvexClient(options.url))
      const secret = Redacted.value(options.secret)
      return StoredReplyWatch.of({
        watch: (sessionId, messageId) =>
          Stream.async<Option.Option<StoredReply>, StoreUnavailable>((emit) => {
            const fail = (reason: string) =>
              void emit.fail(new StoreUnavailable({ operation: "watch_reply", reason }))
            const unsubscribe = connected().onUpdate(
              api.transcripts.reply,
              { secret, sessionId, messageId },
              (answer) => {
                try {
                  void emit.single(decodeStoredReply(answer))
                } catch (cause) {
                  fail(String(cause))
                }
              },
              (error) => fail(error.message)
            )
            return Effect.sync(() => unsubscribe())
          })
      })
    })
  )

/** The deployment at `CONVEX_URL`, as the stores reach it. */
export const layerConfig = Layer.unwrapEffect(Effect.map(ConvexBackend.config, layer))
