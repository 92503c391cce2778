import { describe, expect, it } from "@effect/vitest"
import { Option } from "effect"
import {
  advance,
  advanceAll,
  ChatEvent,
  startTurn,
  TurnEvent,
  type TurnState,
  type TurnStep
} from "./chat-turn.ts"

/** The steps a turn takes through `events`, from its start at 0. */
const run = (...events: ReadonlyArray<TurnEvent>) => {
  const steps: Array<TurnStep> = []
  let state: TurnState = startTurn(0)
  for (const event of events) {
    const step = advance(state, event)
    steps.push(step)
    state = step.state
  }
  return steps
}
const text = (value: string, at: number) => TurnEvent.TextArrived({ text: value, at })
const finished = TurnEvent.ModelFinished({ reason: "stop", usage: Option.none() })

describe("a chat turn", () => {
  it("hands each text to the reader and keeps the reply, the first and the last text's times", () => {
    const [first, second] = run(text("Hello ", 5), text("there.", 9))
    expect(first!.emit).toEqual(Option.some(ChatEvent.Delta({ text: "Hello " })))
    expect(second!.state).toMatchObject({ text: "Hello there.", firstTextAt: Option.some(5), lastTextAt: 9 })
  })

  it("starts the deferred work when the reader asks for its second event, once", () => {
    const steps = run(
      text("a", 1),
      TurnEvent.ReaderCaughtUp(),
      TurnEvent.ReaderCaughtUp(),
      TurnEvent.ModelEnded()
    )
    expect(steps.map((step) => step.startDeferred)).toEqual([false, true, false, false])
  })

  it("completes when the model finished and its stream ended, recording the reply before the last event", () => {
    const end = run(text("a", 1), finished, TurnEvent.ModelEnded()).at(-1)!
    expect(end.record).toEqual(Option.some(expect.objectContaining({ outcome: "completed", text: "a" })))
    expect(end.emit).toEqual(Option.some(ChatEvent.Finished({ reason: "stop", usage: Option.none() })))
    // A turn that ends before the reader caught up starts the deferred work then: the record waits for it.
    expect(end.startDeferred).toBe(true)
  })

  it("fails as cut off when the model's stream ends without finishing", () => {
    const end = run(text("Half", 1), TurnEvent.ModelEnded()).at(-1)!
    expect(end.record).toEqual(Option.some(expect.objectContaining({ outcome: "failed", text: "Half" })))
    expect(end.emit).toEqual(
      Option.some(
        ChatEvent.Failed({ reason: "protocol", message: "the model stream ended without finishing" })
      )
    )
  })

  it("records the reply once, as the turn first ended: a client gone after the end changes nothing", () => {
    const steps = run(
      text("a", 1),
      TurnEvent.ModelFailed({ reason: "timeout", message: "late" }),
      TurnEvent.CutShort()
    )
    expect(steps.map((step) => Option.map(step.record, (turn) => turn.outcome))).toEqual([
      Option.none(),
      Option.some("failed"),
      Option.none()
    ])
  })

  it("is cut short when the client goes away first: recorded as disconnected, nothing more to read", () => {
    const [, cut] = run(text("a", 1), TurnEvent.CutShort())
    expect(cut!.record).toEqual(Option.some(expect.objectContaining({ outcome: "disconnected", text: "a" })))
    expect(cut!.emit).toEqual(Option.none())
  })

  it("takes the words a model sent at once as one step: their events, then the end after its record", () => {
    const steps = advanceAll(startTurn(0), [
      text("Hello ", 5),
      text("there.", 5),
      finished,
      TurnEvent.ModelEnded()
    ])
    expect(steps.emitted).toEqual([ChatEvent.Delta({ text: "Hello " }), ChatEvent.Delta({ text: "there." })])
    expect(steps.record).toEqual(
      Option.some(expect.objectContaining({ outcome: "completed", text: "Hello there." }))
    )
    expect(steps.last).toEqual(Option.some(ChatEvent.Finished({ reason: "stop", usage: Option.none() })))
    expect(steps.startDeferred).toBe(true)
  })

  it("ends a step's events at the turn's end: nothing after it is handed on", () => {
    const steps = advanceAll(startTurn(0), [text("a", 1), TurnEvent.CutShort(), text("b", 2)])
    expect(steps.emitted).toEqual([ChatEvent.Delta({ text: "a" })])
    expect(steps.last).toEqual(Option.none())
    expect(steps.state.text).toBe("a")
  })
})
