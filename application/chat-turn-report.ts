import { Clock, Effect, Option } from "effect"
import type { GroupId, SessionId } from "../domain/ids.ts"
import type { EndedTurn } from "./chat-turn.ts"
import { hashedIds } from "./hashed-id.ts"
import { chatDurationSeconds, chatTokensBy, chatTtftSeconds, chatTurnsBy, updateMetrics } from "./metrics.ts"
import { type LogLine, writeLogLine } from "./log-line.ts"
import type { TokenUsage } from "./ports/chat-model.ts"

/** What a turn's report names besides the turn itself. */
export interface TurnReport {
  readonly requestId: string
  readonly sessionId: SessionId
  readonly groupId: Option.Option<GroupId>
  readonly provider: string
  readonly model: string
  readonly estimateCostUsd: (usage: TokenUsage) => Option.Option<number>
  readonly contextMessages: number
  readonly contextTokens: number
  readonly contextSource: "store" | "memory"
  /** The turn's log line, which the prompt's classification joins when it ends first. */
  readonly line: LogLine
}

const orMinusOne = (value: Option.Option<number>) => Option.getOrElse(value, () => -1)

/**
 * A turn's metrics and its one `chat turn` log line, once its reply is recorded: ids hashed, no
 * text. Times are measured from the start of the turn.
 */
export const reportTurn = Effect.fnUntraced(function* (report: TurnReport, turn: EndedTurn) {
  const endedAt = yield* Clock.currentTimeMillis
  const ttft = Option.map(turn.firstTextAt, (at) => at - turn.startedAt)
  const usage = Option.flatMap(turn.finish, (finish) => finish.usage)
  yield* updateMetrics((update) => {
    if (Option.isSome(ttft)) update(chatTtftSeconds, ttft.value / 1000)
    update(chatDurationSeconds, (endedAt - turn.startedAt) / 1000)
    update(chatTurnsBy(turn.outcome), 1)
    if (Option.isSome(usage)) {
      update(chatTokensBy("input"), usage.value.inputTokens)
      update(chatTokensBy("output"), usage.value.outputTokens)
    }
  })
  // Its ids are hashed only when the line is written.
  yield* Effect.whenLogLevel(
    Effect.flatMap(hashedIds, (hashed) =>
      writeLogLine(report.line, "chat turn", {
        requestId: report.requestId,
        provider: report.provider,
        model: report.model,
        outcome: turn.outcome,
        contextMessages: report.contextMessages,
        contextTokens: report.contextTokens,
        contextSource: report.contextSource,
        session: hashed(report.sessionId),
        group: Option.getOrElse(Option.map(report.groupId, hashed), () => "none"),
        replyChars: turn.text.length,
        ttftMs: orMinusOne(ttft),
        durationMs: endedAt - turn.startedAt,
        inputTokens: orMinusOne(Option.map(usage, (u) => u.inputTokens)),
        outputTokens: orMinusOne(Option.map(usage, (u) => u.outputTokens)),
        estimatedCostUsd: orMinusOne(Option.flatMap(usage, report.estimateCostUsd))
      })
    ),
    "Info"
  )
})
