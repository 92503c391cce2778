import {
  Array,
  Cause,
  Clock,
  Data,
  Duration,
  Effect,
  Fiber,
  Mailbox,
  Metric,
  Option,
  Ref,
  Stream,
  type Tracer
} from "effect"
import { ModelFailed } from "../domain/errors.ts"
import { type GroupId, MessageId, type SessionId, type UserId } from "../domain/ids.ts"
import { BuildContext } from "./build-context.ts"
import { ConversationSettings } from "./conversation-settings.ts"
import { type IngestCommand, IngestMessage, toTranscriptItem } from "./ingest-message.ts"
import { BackgroundWork } from "./background-work.ts"
import { ClassifyBoundary, classifyCommandOf } from "./classify-boundary.ts"
import { chatDurationSeconds, chatTokensTotal, chatTtftSeconds, chatTurnsTotal } from "./metrics.ts"
import { ChatModel, type FinishReason, type TokenUsage } from "./ports/chat-model.ts"
import { hashedIds } from "./hashed-id.ts"
import { IdGenerator } from "./ports/id-generator.ts"
import { SessionMemory } from "./ports/session-memory.ts"
import { RecordTranscriptItem } from "./record-transcript-item.ts"
import type { resolvePersistence } from "./resolve-persistence.ts"
import { type SessionPersistence, withSessionPersistence } from "./session-persistence.ts"

export interface ChatCommand {
  readonly userId: UserId
  readonly sessionId: SessionId
  readonly groupId: Option.Option<GroupId>
  readonly prompt: string
  /** The user message's id; generated when the caller gives none. */
  readonly promptMessageId: Option.Option<MessageId>
  readonly requestId: string
}

/** What a chat turn streams to its client. It never fails: a model failure is a `Failed` event. */
export type ChatEvent = Data.TaggedEnum<{
  Delta: { readonly text: string }
  Finished: { readonly reason: FinishReason; readonly usage: Option.Option<TokenUsage> }
  Failed: { readonly reason: ModelFailed["reason"]; readonly message: string }
}>
export const ChatEvent = Data.taggedEnum<ChatEvent>()

export interface ChatTurn {
  readonly userMessageId: MessageId
  /** The id the reply is stored under, announced before its first text. */
  readonly assistantMessageId: MessageId
  readonly contextMessages: number
  readonly provider: string
  readonly model: string
  readonly events: Stream.Stream<ChatEvent>
}

type Outcome = "completed" | "failed" | "disconnected"

type RecordingServices =
  | Effect.Effect.Context<
      | ReturnType<typeof RecordTranscriptItem>
      | ReturnType<typeof toTranscriptItem>
      | ReturnType<typeof resolvePersistence>
    >
  | SessionPersistence

/**
 * One coaching turn: ingests the prompt (idempotently), builds the chat window (last
 * CHAT_CONTEXT_LIMIT messages of the session + CHAT_SYSTEM_PROMPT), records the reply as
 * `in_progress`, and streams the model's reply. However the stream ends — finished, failed, or
 * the client gone — the reply is stored `completed` or `incomplete` with the text so far.
 */
export const StreamChat = Effect.fn("StreamChat")(
  function* (command: ChatCommand) {
    const settings = yield* ConversationSettings
    const memory = yield* SessionMemory
    const ids = yield* IdGenerator
    const model = yield* ChatModel
    const startedAt = yield* Clock.currentTimeMillis
    const userMessageId = Option.isSome(command.promptMessageId)
      ? command.promptMessageId.value
      : MessageId.make(yield* ids.next)

    const promptCommand: IngestCommand = {
      userId: command.userId,
      sessionId: command.sessionId,
      messageId: userMessageId,
      role: "user",
      text: command.prompt,
      ts: Option.none(),
      groupId: command.groupId,
      audioUrl: Option.none(),
      requestId: command.requestId
    }
    const prompt = yield* IngestMessage(promptCommand)
    const built = yield* BuildContext("chat", command.sessionId)
    // The model answers this prompt: the window ends with it, even when the store has not got it yet
    // (deferred by an outage) or holds it from an earlier try of the same messageId.
    const window = {
      ...built,
      messages: Array.takeRight(
        [
          ...built.messages.filter((message) => message.messageId !== userMessageId),
          { ...prompt.item, seq: 0 }
        ],
        built.limit
      )
    }
    const assistantMessageId = MessageId.make(yield* ids.next)
    // The reply follows its prompt in (ts, seq) order, whatever the clocks did meanwhile.
    const replyTs = Math.max(prompt.item.ts, yield* Clock.currentTimeMillis)
    const reply = (text: string, status: "in_progress" | "completed" | "incomplete") =>
      toTranscriptItem({
        userId: command.userId,
        sessionId: command.sessionId,
        messageId: assistantMessageId,
        role: "assistant",
        text,
        status,
        ts: Option.some(replyTs),
        groupId: command.groupId,
        audioUrl: Option.none()
      })
    // What the turn owes but its first token need not wait for: the prompt's classification and the
    // reply's in-progress row. Both start at the first text (or when a turn with none ends), so they do
    // not compete with the model call for the event loop; the row is written in a fiber of its own (it
    // outlives this effect), and the final record waits for it. A session deleted since the turn began
    // gets neither.
    const inProgress = yield* reply("", "in_progress")
    const afterFirstText = Effect.gen(function* () {
      yield* Effect.flatMap(BackgroundWork, (background) =>
        background.fork(ClassifyBoundary(classifyCommandOf(promptCommand, startedAt)))
      )
      return yield* Effect.forkDaemon(
        Effect.either(
          Effect.unlessEffect(
            RecordTranscriptItem(inProgress, command.userId, "append"),
            memory.deletedSince(command.sessionId, startedAt)
          )
        )
      )
    })
    // This work and the reply's record run after this effect returned: capture their services.
    const services = yield* Effect.context<RecordingServices | Effect.Effect.Context<typeof afterFirstText>>()
    const started = yield* Effect.cached(Effect.provide(afterFirstText, services))
    const text = yield* Ref.make("")
    const firstTextAt = yield* Ref.make(Option.none<number>())
    const finish = yield* Ref.make(Option.none<{ reason: FinishReason; usage: Option.Option<TokenUsage> }>())
    const recorded = yield* Ref.make(false)
    const hashed = yield* hashedIds

    /**
     * Stores the reply and reports the turn, once: before the final part when the model finishes or
     * fails (so a client that lists the transcript after `[DONE]` sees it), or when the stream is
     * cut short. Its own fiber lets its store calls time out even while the turn is interrupted.
     */
    const record = (outcome: Outcome) =>
      Effect.gen(function* () {
        if (yield* Ref.getAndSet(recorded, true)) return
        yield* Fiber.join(yield* started)
        const finished = yield* Ref.get(finish)
        const item = yield* reply(yield* Ref.get(text), outcome === "completed" ? "completed" : "incomplete")
        // A session deleted while its reply streamed stays deleted: the reply is not written back.
        if (yield* memory.deletedSince(command.sessionId, startedAt)) {
          yield* Effect.logInfo("session deleted during the turn; reply not recorded")
        } else {
          // Privacy is decided again: a session opted out while its reply streamed keeps it in memory.
          yield* RecordTranscriptItem(item, command.userId, "finishReply").pipe(
            withSessionPersistence(command.userId, command.sessionId),
            Effect.catchAll((error) =>
              Effect.logWarning("reply not recorded").pipe(Effect.annotateLogs({ error: error._tag }))
            )
          )
        }
        const endedAt = yield* Clock.currentTimeMillis
        const ttft = yield* Ref.get(firstTextAt)
        const usage = Option.flatMap(finished, (f) => f.usage)
        yield* Metric.update(chatDurationSeconds, (endedAt - startedAt) / 1000)
        yield* Metric.increment(Metric.tagged(chatTurnsTotal, "outcome", outcome))
        if (Option.isSome(usage)) {
          yield* Metric.incrementBy(Metric.tagged(chatTokensTotal, "kind", "input"), usage.value.inputTokens)
          yield* Metric.incrementBy(
            Metric.tagged(chatTokensTotal, "kind", "output"),
            usage.value.outputTokens
          )
        }
        // Its ids are hashed only when the line is written.
        yield* Effect.whenLogLevel(
          Effect.suspend(() =>
            Effect.logInfo("chat turn").pipe(
              Effect.annotateLogs({
                requestId: command.requestId,
                provider: model.provider,
                model: model.model,
                outcome,
                contextMessages: window.messages.length,
                contextSource: window.source,
                session: hashed(command.sessionId),
                group: Option.getOrElse(Option.map(command.groupId, hashed), () => "none"),
                replyChars: item.text.length,
                ttftMs: Option.getOrElse(
                  Option.map(ttft, (at) => at - startedAt),
                  () => -1
                ),
                durationMs: endedAt - startedAt,
                inputTokens: Option.getOrElse(
                  Option.map(usage, (u) => u.inputTokens),
                  () => -1
                ),
                outputTokens: Option.getOrElse(
                  Option.map(usage, (u) => u.outputTokens),
                  () => -1
                ),
                estimatedCostUsd: Option.getOrElse(Option.flatMap(usage, model.estimateCostUsd), () => -1)
              })
            )
          ),
          "Info"
        )
      })

    const lastTextAt = yield* Ref.make(yield* Clock.currentTimeMillis)
    const onText = (delta: string) =>
      Effect.gen(function* () {
        const now = yield* Clock.currentTimeMillis
        yield* Ref.set(lastTextAt, now)
        yield* Ref.update(text, (sofar) => sofar + delta)
        if (Option.isNone(yield* Ref.get(firstTextAt))) {
          yield* Ref.set(firstTextAt, Option.some(now))
          yield* Metric.update(chatTtftSeconds, (now - startedAt) / 1000)
        }
      })

    /**
     * One watchdog fiber for both deadlines — no text for CHAT_IDLE_TIMEOUT_MS (the first token
     * included), no end by CHAT_TURN_TIMEOUT_MS — rather than a timer raced against every chunk.
     */
    const idleMillis = Duration.toMillis(settings.chatIdleTimeout)
    const turnDeadline = startedAt + Duration.toMillis(settings.chatTurnTimeout)
    const watchdog = Effect.gen(function* () {
      while (true) {
        const now = yield* Clock.currentTimeMillis
        const idleDeadline = (yield* Ref.get(lastTextAt)) + idleMillis
        if (now >= turnDeadline) {
          return yield* new ModelFailed({
            reason: "timeout",
            message: `no complete reply in ${Duration.format(settings.chatTurnTimeout)}`
          })
        }
        if (now >= idleDeadline) {
          return yield* new ModelFailed({
            reason: "timeout",
            message: `no text from the model in ${Duration.format(settings.chatIdleTimeout)}`
          })
        }
        yield* Effect.sleep(Math.min(idleDeadline, turnDeadline) - now)
      }
    })
    // The response body streams after the request middleware's log scope ended: its annotations
    // (request id, route) are carried onto the stream's log lines.
    const annotations = Object.fromEntries(yield* Effect.logAnnotations)
    // Likewise the request's span has ended by then: the turn's span is made a child of this one.
    const parent = Option.getOrUndefined(yield* Effect.option(Effect.currentSpan))
    const traced = {
      "http.request_id": command.requestId,
      "chat.provider": model.provider,
      "chat.model": model.model
    }

    /**
     * The turn's events, made by one fiber per turn: it reads the model, raced once against the
     * watchdog, keeps the text, records the reply before the final event, and hands the events over
     * through a one-slot mailbox. Losing the race interrupts the model call, which aborts the
     * provider's request; a reader that goes away interrupts the fiber, and the reply is recorded as
     * cut short.
     */
    const produce = (mailbox: Mailbox.Mailbox<ChatEvent>, turnSpan: Tracer.Span) => {
      const recordOnce = (outcome: Outcome) =>
        Effect.forkDaemon(Effect.interruptible(record(outcome))).pipe(
          Effect.flatMap(Fiber.join),
          Effect.withParentSpan(turnSpan),
          Effect.provide(services)
        )
      const modelCall = model
        .stream({
          systemPrompt: window.systemPrompt,
          messages: window.messages.map(({ role, text }) => ({ role, text })),
          providerMayStore: prompt.persisted,
          requestId: command.requestId
        })
        .pipe(
          Stream.runForEach((event) =>
            event._tag === "TextDelta"
              ? Effect.zipRight(onText(event.text), mailbox.offer(ChatEvent.Delta({ text: event.text })))
              : Ref.set(finish, Option.some(event))
          ),
          Effect.raceFirst(watchdog),
          Effect.withSpan("ChatModel.stream", { attributes: traced })
        )
      const finished = Effect.flatMap(Ref.get(finish), (finished) =>
        Option.isSome(finished)
          ? Effect.as(recordOnce("completed"), ChatEvent.Finished(finished.value))
          : // A model stream that ends without finishing was cut off: a failure, like any other.
            new ModelFailed({ reason: "protocol", message: "the model stream ended without finishing" })
      )
      return Effect.zipRight(modelCall, finished).pipe(
        Effect.catchAllCause((cause) => {
          // An interruption-only cause carries no failure: passing it on is sound.
          if (Cause.isInterruptedOnly(cause)) return Effect.failCause(cause as Cause.Cause<never>)
          // A defect (a bug, a provider answer no adapter expected) ends the turn like a model failure.
          const failure = Option.getOrElse(
            Cause.failureOption(cause),
            () => new ModelFailed({ reason: "protocol", message: "the model stream failed unexpectedly" })
          )
          const logged = Cause.isFailType(cause) ? Effect.void : Effect.logError("chat stream defect", cause)
          return logged.pipe(Effect.zipRight(recordOnce("failed")), Effect.as(ChatEvent.Failed(failure)))
        }),
        Effect.flatMap((last) => Effect.asVoid(mailbox.offer(last))),
        Effect.onInterrupt(() => recordOnce("disconnected")),
        Effect.exit,
        Effect.flatMap((exit) => mailbox.done(exit))
      )
    }

    // The span and the log annotations are set once for the turn's fibers, not provided to every event.
    const events: Stream.Stream<ChatEvent> = Stream.unwrapScoped(
      Effect.gen(function* () {
        yield* Effect.annotateLogsScoped({ ...annotations, requestId: command.requestId })
        const turnSpan = yield* Effect.makeSpanScoped("StreamChat.turn", {
          ...(parent === undefined ? {} : { parent }),
          attributes: {
            ...traced,
            "chat.context_messages": window.messages.length,
            "chat.context_source": window.source
          }
        })
        const mailbox = yield* Mailbox.make<ChatEvent>(1)
        // The turn's span is the producer's current span: its model call, store calls and log lines.
        yield* Effect.forkScoped(Effect.withParentSpan(produce(mailbox, turnSpan), turnSpan))
        let taken = 0
        return Stream.tap(Mailbox.toStream(mailbox), () =>
          // The reader asks for a second event once it has sent the first: the work the first text
          // deferred may start.
          ++taken === 2 ? started : Effect.void
        )
      })
    )

    return {
      userMessageId,
      assistantMessageId,
      contextMessages: window.messages.length,
      provider: model.provider,
      model: model.model,
      events
    } satisfies ChatTurn
  },
  // One privacy decision for the turn: the prompt, the window and the reply's in-progress row follow it.
  (effect, command) => withSessionPersistence(command.userId, command.sessionId)(effect)
)
