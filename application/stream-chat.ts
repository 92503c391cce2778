import { Clock, Effect, FiberRef, Option, type Scope } from "effect"
import { type GroupId, MessageId, type SessionId, type UserId } from "../domain/ids.ts"
import { BackgroundWork } from "./background-work.ts"
import { BuildContext, SelectContext } from "./build-context.ts"
import type { ChatEvent } from "./chat-turn.ts"
import { reportTurn } from "./chat-turn-report.ts"
import { ClassifyBoundary, classifyCommandOf, storedAsNew } from "./classify-boundary.ts"
import { CurrentRequest } from "./current-request.ts"
import { eventLoopTurn } from "./event-loop.ts"
import { type IngestCommand, IngestMessage } from "./ingest-message.ts"
import { feedFollowers } from "./follow-reply.ts"
import { ChatModel } from "./ports/chat-model.ts"
import { IdGenerator } from "./ports/id-generator.ts"
import { RepliesInFlight } from "./ports/replies-in-flight.ts"
import { ReplaceReply } from "./replace-reply.ts"
import { LogLine, writeLogLine } from "./log-line.ts"
import { recordReply, type ReplySignals } from "./reply-recorder.ts"
import { withSessionPersistence } from "./session-persistence.ts"
import { makeTurnSignals, turnEvents } from "./turn-events.ts"
import { parentSpanInScopeWhenTraced, spanWhenTraced } from "./traced.ts"

export interface ChatCommand {
  readonly userId: UserId
  readonly sessionId: SessionId
  readonly groupId: Option.Option<GroupId>
  readonly prompt: string
  /** The user message's id; generated when the caller gives none. */
  readonly promptMessageId: Option.Option<MessageId>
  /** A regeneration: the finished reply to the same prompt that this turn's reply replaces. */
  readonly replaces: Option.Option<MessageId>
  readonly requestId: string
}

export interface ChatTurn {
  readonly userMessageId: MessageId
  /** The id the reply is stored under, announced before its first text. */
  readonly assistantMessageId: MessageId
  readonly contextMessages: number
  /** The window's tokens (system prompt and messages) by the chat model's tokenizer. */
  readonly contextTokens: number
  /** The window lacks earlier messages of the session that this process's memory does not hold. */
  readonly contextUnavailable: boolean
  readonly provider: string
  readonly model: string
  /**
   * Reads the turn to its end, handing `read` each batch of events as they come, in a loop (a
   * stream's run would cost its reader some 500 runtime operations). The model is called when the
   * turn is first read, and `read` gets the text on the model call's fiber; another reader gets no
   * events. Whether a reader that goes away (its fiber interrupted) cuts the turn short is the
   * turn's: `StreamChat`'s does, a resumable one's runs on.
   */
  readonly readEach: (read: (events: ReadonlyArray<ChatEvent>) => Effect.Effect<void>) => Effect.Effect<void>
  /**
   * Stops the turn before its end: the model call stops, the reader returns, and the reply is kept
   * `incomplete` with the text so far.
   */
  readonly stop: Effect.Effect<void>
}

/**
 * One coaching turn: sets aside the reply it replaces (a regeneration), ingests the prompt
 * (idempotently), builds the chat window (last
 * CHAT_CONTEXT_LIMIT messages of the session + CHAT_SYSTEM_PROMPT) and streams the model's reply.
 * Once the first text is out, the prompt is classified and the reply's `in_progress` row written, in
 * the background. The turn lives in `scope`, given as an argument (a `Scope` service provided by
 * `Scope.extend` would copy the caller's services for the turn's deferred work to keep): however it
 * ends — finished, failed, or the scope closed with the client gone — the reply is stored `completed` or `incomplete` with the text
 * so far, and the turn reported.
 */
export const StreamChat = Effect.fnUntraced(
  function* (command: ChatCommand, scope: Scope.Scope) {
    const ids = yield* IdGenerator
    const model = yield* ChatModel
    const background = yield* BackgroundWork
    const startedAt = yield* Clock.currentTimeMillis
    if (Option.isSome(command.replaces)) yield* ReplaceReply(command.sessionId, command.replaces.value)
    const prompt: IngestCommand = {
      userId: command.userId,
      sessionId: command.sessionId,
      messageId: Option.isSome(command.promptMessageId)
        ? command.promptMessageId.value
        : MessageId.make(yield* ids.next),
      role: "user",
      text: command.prompt,
      ts: Option.none(),
      groupId: command.groupId,
      audioUrl: Option.none(),
      requestId: command.requestId
    }
    const ingested = yield* IngestMessage(prompt)
    // The window ends with the prompt, even when the store has not got it yet (deferred by an outage).
    const selection = yield* SelectContext("chat", prompt.sessionId)
    const window = yield* BuildContext("chat", prompt.sessionId, ingested.item, selection)
    const reply = {
      userId: command.userId,
      sessionId: command.sessionId,
      groupId: command.groupId,
      messageId: MessageId.make(yield* ids.next),
      // The reply follows its prompt in (ts, seq) order, whatever the clocks did meanwhile.
      ts: Math.max(ingested.item.ts, yield* Clock.currentTimeMillis),
      startedAt
    }
    const traced = {
      "http.request_id": command.requestId,
      "chat.provider": model.provider,
      "chat.model": model.model
    }
    // The turn's span is the parent of its fibers' work: the model call, the store calls, the classification.
    const underTurnSpan = parentSpanInScopeWhenTraced("StreamChat.turn", scope, {
      attributes: {
        ...traced,
        "chat.context_messages": window.messages.length,
        "chat.context_tokens": window.tokens,
        "chat.context_source": window.source,
        "chat.context_unavailable": window.contextUnavailable
      }
    })
    const { readEach, stop } = yield* Effect.gen(function* () {
      // The turn's one log line, written by its report; the prompt's classification joins it when it
      // ends first. Only the classification's fiber, which starts after the first text, is given it;
      // the report takes it as an argument. On the fiber that waits for the reply it would cost every
      // open stream memory.
      const line = new LogLine()
      // Once the first text is out: the prompt's classification beside the reply's rows and report.
      // One fiber starts then and forks the classification, so a quiet model's turn holds no fiber for
      // them. It lets the event loop turn first: the text's frames, written by now, reach the socket
      // before this work, not after it.
      const recordedAndReported = (signals: ReplySignals) =>
        background
          .fork(
            Effect.zipRight(
              FiberRef.set(CurrentRequest, { requestId: command.requestId, line }),
              // The prompt's classifier window is chosen from what the turn's window read.
              ClassifyBoundary({
                ...classifyCommandOf(prompt, startedAt, storedAsNew(ingested)),
                seen: selection
              })
            )
          )
          .pipe(
            Effect.zipRight(recordReply(reply, signals)),
            Effect.flatMap((turn) =>
              reportTurn(
                {
                  requestId: command.requestId,
                  sessionId: command.sessionId,
                  groupId: command.groupId,
                  provider: model.provider,
                  model: model.model,
                  estimateCostUsd: model.estimateCostUsd,
                  contextMessages: window.messages.length,
                  contextTokens: window.tokens,
                  contextSource: window.source,
                  line
                },
                turn
              )
            ),
            // Stopped before its report (the shutdown's grace ran out): the line still carries what joined it.
            Effect.onInterrupt(() =>
              writeLogLine(line, "chat turn", {
                requestId: command.requestId,
                provider: model.provider,
                model: model.model,
                outcome: "interrupted"
              })
            )
          )
      const signals = yield* makeTurnSignals(
        startedAt,
        (signals) => Effect.zipRight(eventLoopTurn, recordedAndReported(signals)),
        scope
      )
      const request = {
        systemPrompt: window.systemPrompt,
        messages: window.messages.map(({ role, text }) => ({ role, text })),
        // Queued text is stored once the store is back: the session's privacy allows it either way.
        providerMayStore: ingested.persisted || ingested.queued,
        requestId: command.requestId
      }
      return yield* turnEvents(signals, model.stream(request), traced, scope)
    }).pipe(underTurnSpan)
    // Followers in this process (a reload, a second tab) see the reply as this turn's reader does.
    const followers = feedFollowers(
      yield* (yield* RepliesInFlight).register(command.sessionId, reply.messageId, stop, scope)
    )

    return {
      userMessageId: prompt.messageId,
      assistantMessageId: reply.messageId,
      contextMessages: window.messages.length,
      contextTokens: window.tokens,
      contextUnavailable: window.contextUnavailable,
      provider: model.provider,
      model: model.model,
      readEach: (read) => readEach((chunk) => Effect.zipRight(followers(chunk), read(chunk))),
      stop
    } satisfies ChatTurn
  },
  // One privacy decision for the turn: the prompt, the window, its classification and the reply's
  // in-progress row follow it.
  (effect, command) => withSessionPersistence(command.userId, command.sessionId)(effect),
  spanWhenTraced("StreamChat")
)
