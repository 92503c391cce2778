/**
 * The chat and read baselines' tables, each ratio beside the performance issue's target for it.
 * A ratio is the service's figure over the bare server's from the same run.
 */
import type { ChatBaselineOptions, ChatBaselineResult } from "./chat-baselines.ts"
import type { ReadBaselineRow } from "./read-baselines.ts"
import { bytes, count, ms, printTable, ratio } from "./report.ts"

/** The targets. */
const TARGETS = {
  cpuPerTurn: 4,
  concurrentTtftP95: 5,
  singleAddedTtftP95Ms: 5,
  idleStreamRss: 50 * 1024,
  read: 2,
  /** Flat: the largest session's read p50 at most this multiple of the smallest's. */
  readFlatness: 1.5
}

const median = (values: ReadonlyArray<number>) => {
  const sorted = [...values].sort((a, b) => a - b)
  const middle = Math.floor(sorted.length / 2)
  return sorted.length % 2 === 1
    ? (sorted[middle] ?? Number.NaN)
    : ((sorted[middle - 1] ?? Number.NaN) + (sorted[middle] ?? Number.NaN)) / 2
}

const verdict = (met: boolean) => (met ? "met" : "NOT MET")

export const printChatBaselines = (
  result: ChatBaselineResult,
  rounds: number,
  streams: number,
  cpuTurns: Pick<ChatBaselineOptions, "turns" | "warmupTurns">,
  paced: ChatBaselineOptions["paced"]
) => {
  const { bare, service } = result
  const cpu = { bare: median(bare.cpuPerTurn), service: median(service.cpuPerTurn) }
  const rss = {
    bare: median(bare.idle.map((m) => m.rssPerStream)),
    service: median(service.idle.map((m) => m.rssPerStream))
  }
  const added = service.single.p95 - bare.single.p95
  printTable(
    `6. Chat turn vs a bare node:http + node:sqlite chat server (bench/bare-chat.ts: insert the prompt, ` +
      `read the last 20, the same frames for the same ${bare.deltas} text deltas (service: ${service.deltas}), ` +
      `insert the reply), each a fresh child process per round, interleaved for ${rounds} rounds; CPU from ` +
      `/proc/<pid>/stat over ${count(cpuTurns.turns)} turns after ${count(cpuTurns.warmupTurns)} warm-up turns ` +
      `(median of rounds), first text-delta p95 over every round's samples, RSS per idle ` +
      "stream (median of rounds) after a full GC: the measured sessions each had a stream opened and closed " +
      "first, and the first sample waits for that teardown to settle, so the figure is what an open stream holds",
    ["measure", "bare", "service", "service / bare", "target", "verdict"],
    [
      [
        "CPU per chat turn",
        ms(cpu.bare),
        ms(cpu.service),
        ratio(cpu.service / cpu.bare),
        `<= ${TARGETS.cpuPerTurn}x`,
        verdict(cpu.service / cpu.bare <= TARGETS.cpuPerTurn)
      ],
      [
        "first text-delta p95, 1 stream",
        ms(bare.single.p95),
        ms(service.single.p95),
        `+${ms(added)}`,
        `< +${TARGETS.singleAddedTtftP95Ms} ms`,
        verdict(added < TARGETS.singleAddedTtftP95Ms)
      ],
      [
        `first text-delta p95, ${count(streams)} concurrent streams`,
        ms(bare.concurrent.p95),
        ms(service.concurrent.p95),
        ratio(service.concurrent.p95 / bare.concurrent.p95),
        `<= ${TARGETS.concurrentTtftP95}x`,
        verdict(service.concurrent.p95 / bare.concurrent.p95 <= TARGETS.concurrentTtftP95)
      ],
      [
        "RSS per open idle stream",
        bytes(rss.bare),
        bytes(rss.service),
        ratio(rss.service / rss.bare),
        `<= ${bytes(TARGETS.idleStreamRss)}`,
        verdict(rss.service <= TARGETS.idleStreamRss)
      ]
    ]
  )
  console.log(
    `CPU per turn by round: bare ${bare.cpuPerTurn.map(ms).join(", ")}; service ${service.cpuPerTurn.map(ms).join(", ")}. ` +
      `RSS per idle stream by round (${count(bare.idle[0]?.streams ?? 0)} streams): bare ` +
      `${bare.idle.map((m) => bytes(m.rssPerStream)).join(", ")}; service ${service.idle.map((m) => bytes(m.rssPerStream)).join(", ")}; ` +
      `service RSS after the streams closed and settled: ${service.idle.map((m) => bytes(m.closed.rss - m.before.rss)).join(", ")} above before. ` +
      // RSS per stream moves with how much heap V8 had reserved before the streams opened; the heap
      // each stream holds does not.
      `V8 heap used per idle stream by round: bare ${bare.idle.map((m) => bytes(m.heapPerStream)).join(", ")}; ` +
      `service ${service.idle.map((m) => bytes(m.heapPerStream)).join(", ")}`
  )
  const pacedCpu = { bare: median(bare.paced.cpuPerTurn), service: median(service.paced.cpuPerTurn) }
  printTable(
    `6b. The same turns with the model's words ${paced.tokenDelayMs} ms apart, as a model streaming over time ` +
      "sends them (above, the offline model has its whole reply ready at once and the service writes it " +
      "in one batch, while the bare server writes a word per turn of the event loop): each a fresh child " +
      "process per round, " +
      `interleaved as above; first text-delta p95 over every round's samples after ${count(paced.warmupRounds)} ` +
      `warm-up rounds of the concurrent streams, then CPU over ${count(paced.turns)} turns after ` +
      `${count(paced.warmupTurns)} more (median of rounds). The issue's targets are judged above; these ` +
      "ratios are beside them for comparison",
    ["measure", "bare", "service", "service / bare", "target above"],
    [
      [
        "CPU per chat turn",
        ms(pacedCpu.bare),
        ms(pacedCpu.service),
        ratio(pacedCpu.service / pacedCpu.bare),
        `<= ${TARGETS.cpuPerTurn}x`
      ],
      [
        `first text-delta p95, ${count(streams)} concurrent streams`,
        ms(bare.paced.concurrent.p95),
        ms(service.paced.concurrent.p95),
        ratio(service.paced.concurrent.p95 / bare.paced.concurrent.p95),
        `<= ${TARGETS.concurrentTtftP95}x`
      ]
    ]
  )
  console.log(
    `Paced CPU per turn by round: bare ${bare.paced.cpuPerTurn.map(ms).join(", ")}; ` +
      `service ${service.paced.cpuPerTurn.map(ms).join(", ")}`
  )
  for (const [name, figures] of [["bare", bare] as const, ["service", service] as const]) {
    for (const [section, { failed, failures }] of [["6", figures] as const, ["6b", figures.paced] as const]) {
      if (failed > 0)
        console.log(
          `${name}, section ${section}: ${count(failed)} streams failed, left out; first: ${failures.join("; ")}`
        )
    }
  }
}

export const printReadBaselines = (rows: ReadonlyArray<ReadBaselineRow>, rounds: number) => {
  printTable(
    "7. Window and page reads over HTTP (GET /sessions/:id/context?for=chat: last 20; GET " +
      "/sessions/:id/messages?order=desc: newest 50) vs the bare node:http server on the same SQLite file, " +
      `each a fresh child process per round, interleaved for ${rounds} rounds; sequential on one kept-alive connection`,
    [
      "session size",
      "read",
      "bare p50",
      "service p50",
      "service p95",
      "service / bare p50",
      "target",
      "verdict"
    ],
    rows.flatMap((row) =>
      (["window", "page"] as const).map((read) => {
        const r = row.service[read].p50 / row.bare[read].p50
        return [
          count(row.size),
          read,
          ms(row.bare[read].p50),
          ms(row.service[read].p50),
          ms(row.service[read].p95),
          ratio(r),
          `<= ${TARGETS.read}x`,
          verdict(r <= TARGETS.read)
        ]
      })
    )
  )
  const first = rows[0]
  const last = rows[rows.length - 1]
  if (first === undefined || last === undefined) return
  for (const read of ["window", "page"] as const) {
    const flatness = last.service[read].p50 / first.service[read].p50
    console.log(
      `service ${read} read p50 at ${count(last.size)} / at ${count(first.size)} messages: ${ratio(flatness)} ` +
        `(flat: <= ${TARGETS.readFlatness}x, ${verdict(flatness <= TARGETS.readFlatness)})`
    )
  }
}
