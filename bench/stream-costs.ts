/**
 * What reading a few values costs the Effect runtime, by the way they are read: a `Stream` run, a
 * pull loop over the same stream, a loop over a `Mailbox`; and what a race costs. Counted through the
 * supervisor of bench/effect-ops.ts (operations evaluated, fibers started), the same on a busy machine
 * as on a quiet one. The chat turn reads its events by loops for these figures
 * (docs/decisions/2026-12-02-chat-turn-loops-and-sweeps.md). `node bench/stream-costs.ts`.
 */
import { Effect, Mailbox, ManagedRuntime, Stream } from "effect"
import { pullEachChunk } from "../application/pull-each.ts"
import { type EffectWork, effectWorkCounter } from "./effect-ops.ts"
import { count, printTable } from "./report.ts"

const WARMUP = 50
const RUNS = 200

/** A mailbox holding four values in two offers, ended: what a turn's reader finds. */
const filled = Effect.gen(function* () {
  const mailbox = yield* Mailbox.make<number>(256)
  yield* mailbox.offerAll([1, 2, 3])
  yield* mailbox.offer(4)
  yield* mailbox.end
  return mailbox
})

/** A short stream of four values in two chunks, as a model's reply of a few words ends. */
const short = Stream.concat(Stream.fromIterable([1, 2, 3]), Stream.succeed(4))

const CASES: ReadonlyArray<readonly [string, Effect.Effect<unknown>]> = [
  ["nothing read (the mailbox filled; the floor of the rows below that use it)", filled],
  [
    "a mailbox as a stream, run (Stream.runDrain(Mailbox.toStream))",
    Effect.flatMap(filled, (m) => Stream.runDrain(Mailbox.toStream(m)))
  ],
  [
    "a mailbox read in a loop (takeAll until done)",
    Effect.flatMap(filled, (mailbox) => {
      const loop: Effect.Effect<void> = Effect.flatMap(mailbox.takeAll, ([, done]) =>
        done ? Effect.void : loop
      )
      return loop
    })
  ],
  ["a short stream, run (Stream.runForEachChunk)", Stream.runForEachChunk(short, () => Effect.void)],
  ["the same stream, pulled in a loop (pullEachChunk)", pullEachChunk(short, () => Effect.void)],
  ["a race won at once (Effect.raceFirst)", Effect.raceFirst(Effect.void, Effect.never)],
  ["a fiber forked and awaited", Effect.flatMap(Effect.fork(Effect.void), (fiber) => fiber.await)]
]

const measure = async (
  runtime: ManagedRuntime.ManagedRuntime<never, never>,
  counter: ReturnType<typeof effectWorkCounter>,
  effect: Effect.Effect<unknown>
): Promise<EffectWork> => {
  for (let i = 0; i < WARMUP; i++) await runtime.runPromise(effect)
  const start = counter.read()
  for (let i = 0; i < RUNS; i++) await runtime.runPromise(effect)
  return counter.perRequest(start, RUNS)
}

if (import.meta.main) {
  const counter = effectWorkCounter()
  const runtime = ManagedRuntime.make(counter.layer)
  const rows: Array<ReadonlyArray<string>> = []
  for (const [name, effect] of CASES) {
    const work = await measure(runtime, counter, effect)
    // Each run is started by `runPromise` in a fiber of its own: that one is not the case's.
    rows.push([name, count(Math.round(work.operations)), (work.fibers - 1).toFixed(1)])
  }
  await runtime.dispose()
  printTable(
    `Effect work of reading a few values, counted over ${count(RUNS)} runs each`,
    ["case", "Effect ops", "fibers beyond the run's own"],
    rows
  )
}
