import { Data, Option } from "effect"
import type { ModelFailed } from "../domain/errors.ts"
import type { FinishReason, TokenUsage } from "./ports/chat-model.ts"

/** What a chat turn streams to its client. It never fails: a model failure is a `Failed` event. */
export type ChatEvent = Data.TaggedEnum<{
  Delta: { readonly text: string }
  Finished: { readonly reason: FinishReason; readonly usage: Option.Option<TokenUsage> }
  Failed: { readonly reason: ModelFailed["reason"]; readonly message: string }
}>
export const ChatEvent = Data.taggedEnum<ChatEvent>()

/** How a turn ended, as `coachup_chat_turns_total{outcome}` counts it. */
export type TurnOutcome = "completed" | "failed" | "disconnected"

/** What happens to a turn: its model call's parts and end, its reader, its client going away. */
export type TurnEvent = Data.TaggedEnum<{
  TextArrived: { readonly text: string; readonly at: number }
  /** The model said why it stopped; its stream ends next. */
  ModelFinished: { readonly reason: FinishReason; readonly usage: Option.Option<TokenUsage> }
  /** The model's stream ended: a reply the model finished is complete, any other was cut off. */
  ModelEnded: Record<never, never>
  /** The model call failed, timed out or broke. */
  ModelFailed: { readonly reason: ModelFailed["reason"]; readonly message: string }
  /** The reader has sent the first event and asks for the next. */
  ReaderCaughtUp: Record<never, never>
  /** The client went away. */
  CutShort: Record<never, never>
}>
export const TurnEvent = Data.taggedEnum<TurnEvent>()

/** What a turn knows so far. */
export interface TurnState {
  readonly startedAt: number
  readonly text: string
  readonly firstTextAt: Option.Option<number>
  /** When text last arrived (the turn's start before any): the idle deadline runs from it. */
  readonly lastTextAt: number
  readonly finish: Option.Option<{ readonly reason: FinishReason; readonly usage: Option.Option<TokenUsage> }>
  /** The work the first text deferred has started: the reply's in-progress row, the prompt's classification. */
  readonly deferredStarted: boolean
  readonly ended: boolean
}

/** A turn as it ended: what the reply is recorded as, and what the turn's report says. */
export interface EndedTurn extends TurnState {
  readonly outcome: TurnOutcome
}

/** What to do after an event, in this order. */
export interface TurnStep {
  readonly state: TurnState
  /** Start the deferred work now. */
  readonly startDeferred: boolean
  /** Record the reply now, as the turn ended: once per turn, before its last event. */
  readonly record: Option.Option<EndedTurn>
  /** The event the reader gets. */
  readonly emit: Option.Option<ChatEvent>
}

export const startTurn = (startedAt: number): TurnState => ({
  startedAt,
  text: "",
  firstTextAt: Option.none(),
  lastTextAt: startedAt,
  finish: Option.none(),
  deferredStarted: false,
  ended: false
})

/** The status the reply is recorded with. */
export const replyStatus = (outcome: TurnOutcome) => (outcome === "completed" ? "completed" : "incomplete")

const step = (state: TurnState, emit: Option.Option<ChatEvent> = Option.none()): TurnStep => ({
  state,
  startDeferred: false,
  record: Option.none(),
  emit
})

/** The turn ends: the deferred work starts if it has not (the reply's record waits for its row). */
const end = (state: TurnState, outcome: TurnOutcome, last?: ChatEvent): TurnStep => {
  const ended = { ...state, deferredStarted: true, ended: true }
  return {
    state: ended,
    startDeferred: !state.deferredStarted,
    record: Option.some({ ...ended, outcome }),
    emit: Option.fromNullable(last)
  }
}

/**
 * The turn's rules. The deferred work starts when the reader asks for its second event — the first
 * has gone out, so it does not compete with the first text — or when the turn ends before that. The
 * reply is recorded once, when the turn first ends: `completed` when the model finished and its stream
 * ended, else `incomplete` with the text so far. Nothing changes after the end.
 */
export const advance = (state: TurnState, event: TurnEvent): TurnStep => {
  if (state.ended) return step(state)
  switch (event._tag) {
    case "TextArrived":
      return step(
        {
          ...state,
          text: state.text + event.text,
          firstTextAt: Option.isSome(state.firstTextAt) ? state.firstTextAt : Option.some(event.at),
          lastTextAt: event.at
        },
        Option.some(ChatEvent.Delta({ text: event.text }))
      )
    case "ModelFinished":
      return step({ ...state, finish: Option.some({ reason: event.reason, usage: event.usage }) })
    case "ModelEnded":
      return Option.match(state.finish, {
        onSome: (finish) => end(state, "completed", ChatEvent.Finished(finish)),
        onNone: () =>
          end(
            state,
            "failed",
            ChatEvent.Failed({ reason: "protocol", message: "the model stream ended without finishing" })
          )
      })
    case "ModelFailed":
      return end(state, "failed", ChatEvent.Failed({ reason: event.reason, message: event.message }))
    case "ReaderCaughtUp":
      return state.deferredStarted
        ? step(state)
        : { ...step({ ...state, deferredStarted: true }), startDeferred: true }
    case "CutShort":
      return end(state, "disconnected")
  }
}

/** What to do after several events, in this order. */
export interface TurnSteps {
  readonly state: TurnState
  /** Start the deferred work now. */
  readonly startDeferred: boolean
  /** The events the reader gets before the end. */
  readonly emitted: ReadonlyArray<ChatEvent>
  /** Record the reply now, as the turn ended; then the reader gets `last`. */
  readonly record: Option.Option<EndedTurn>
  readonly last: Option.Option<ChatEvent>
}

/** The turn's rules over events that came together (the words a model sent at once), as one step. */
export const advanceAll = (state: TurnState, events: ReadonlyArray<TurnEvent>): TurnSteps => {
  let current = state
  let startDeferred = false
  const emitted: Array<ChatEvent> = []
  for (const event of events) {
    const next = advance(current, event)
    current = next.state
    startDeferred ||= next.startDeferred
    if (Option.isSome(next.record))
      return { state: current, startDeferred, emitted, record: next.record, last: next.emit }
    if (Option.isSome(next.emit)) emitted.push(next.emit.value)
  }
  return { state: current, startDeferred, emitted, record: Option.none(), last: Option.none() }
}
