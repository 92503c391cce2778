import { Context, Effect, Exit, Layer, Option, Ref, Stream } from "effect"
import { ChatModel, ChatModelEvent, type ChatRequest } from "../../application/ports/chat-model.ts"
import { ModelFailed } from "../../domain/errors.ts"

/** How the next replies behave. */
export interface Script {
  readonly deltas: ReadonlyArray<string>
  /** Pause before each delta. */
  readonly delayMs?: number
  /** Fail with this after the deltas (a provider error mid-stream). */
  readonly failWith?: ModelFailed["reason"]
  /** Never send anything (a model that does not answer). */
  readonly silent?: boolean
  /** End after the deltas without finishing (a stream cut off). */
  readonly cutOff?: boolean
}

export interface Recorded {
  readonly request: ChatRequest
  /** How the model's stream ended: `interrupted` when its consumer went away. */
  readonly ended: Option.Option<"completed" | "failed" | "interrupted">
}

/** A `ChatModel` that replies from a script and records every request and how its stream ended. */
export class ScriptedChatModel extends Context.Tag("test/ScriptedChatModel")<
  ScriptedChatModel,
  {
    readonly setScript: (script: Script) => Effect.Effect<void>
    readonly calls: Effect.Effect<ReadonlyArray<Recorded>>
  }
>() {}

export const layer = Layer.effectContext(
  Effect.gen(function* () {
    const script = yield* Ref.make<Script>({ deltas: ["Hello ", "there."] })
    const calls = yield* Ref.make<ReadonlyArray<Recorded>>([])
    const model = ChatModel.of({
      provider: "scripted",
      model: "scripted-1",
      estimateCostUsd: () => Option.none(),
      stream: (request) =>
        Stream.unwrap(
          Effect.gen(function* () {
            const current = yield* Ref.get(script)
            const index = (yield* Ref.getAndUpdate(calls, (all) => [
              ...all,
              { request, ended: Option.none() }
            ])).length
            const ended = (how: "completed" | "failed" | "interrupted") =>
              Ref.update(calls, (all) =>
                all.map((call, i) => (i === index ? { ...call, ended: Option.some(how) } : call))
              )
            const pause = Effect.sleep(current.delayMs ?? 0)
            const body: Stream.Stream<ChatModelEvent, ModelFailed> = current.silent
              ? Stream.never
              : Stream.fromIterable(current.deltas).pipe(
                  Stream.mapEffect((text) => Effect.as(pause, ChatModelEvent.TextDelta({ text }))),
                  Stream.concat(
                    current.cutOff
                      ? Stream.empty
                      : current.failWith === undefined
                        ? Stream.succeed(
                            ChatModelEvent.Finished({
                              reason: "stop",
                              usage: Option.some({ inputTokens: 7, outputTokens: 3 })
                            })
                          )
                        : Stream.fail(
                            new ModelFailed({ reason: current.failWith, message: "scripted failure" })
                          )
                  )
                )
            return body.pipe(
              Stream.ensuringWith((exit) =>
                ended(
                  Exit.isInterrupted(exit) ? "interrupted" : Exit.isFailure(exit) ? "failed" : "completed"
                )
              )
            )
          })
        )
    })
    return Context.make(ChatModel, model).pipe(
      Context.add(ScriptedChatModel, { setScript: (next) => Ref.set(script, next), calls: Ref.get(calls) })
    )
  })
)
