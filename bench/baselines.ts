/**
 * Sections 6 and 7 of `npm run bench`: the chat turn and the window and page reads against the bare
 * `node:http` server, each ratio beside the target. `node bench/baselines.ts [chat|reads]`
 * runs them (or one of them) alone.
 */
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { printChatBaselines, printReadBaselines } from "./baseline-report.ts"
import { benchChatBaselines } from "./chat-baselines.ts"
import { benchReadBaselines } from "./read-baselines.ts"

const ROUNDS = 3
const CONCURRENT_STREAMS = 200

export const benchBaselines = async (dataDir: string, only?: "chat" | "reads") => {
  if (only !== "reads") await benchChat(dataDir)
  if (only !== "chat") await benchReads(dataDir)
}

/**
 * CPU per turn is measured at steady state: after a short warm-up the timed turns still pay for V8
 * compiling the service's code, which a running process pays once
 * (docs/decisions/2026-12-03-bench-at-steady-state.md).
 */
const CHAT_CPU_TURNS = { turns: 500, warmupTurns: 1000 }

/**
 * The words 1 ms apart, as a model streaming over time sends them, rather than all at once: each
 * piece of text then makes its own way to the socket, as a real model's tokens do. Warmed up by five
 * rounds of the concurrent streams (1,000 turns in seconds), then enough sequential turns to fill
 * every session's window; fewer timed turns, each some 60 ms.
 */
const PACED = { tokenDelayMs: 1, warmupRounds: 5, turns: 200, warmupTurns: 80 }

const benchChat = async (dataDir: string) => {
  const chat = await benchChatBaselines({
    dataDir,
    rounds: ROUNDS,
    ...CHAT_CPU_TURNS,
    sessions: 8,
    singleRounds: 100,
    concurrentStreams: CONCURRENT_STREAMS,
    concurrentRounds: 3,
    idle: { streams: 1000, warmupStreams: 0, batch: 100, settleMs: 2000, warmupOnMeasuredSessions: true },
    paced: PACED
  })
  printChatBaselines(chat, ROUNDS, CONCURRENT_STREAMS, CHAT_CPU_TURNS, PACED)
}

const benchReads = async (dataDir: string) => {
  const reads = await benchReadBaselines({
    dataDir,
    sizes: [100, 10_000, 1_000_000],
    rounds: ROUNDS,
    iterations: 500,
    // As for the turns: the timed reads meet a process at steady state, not one still compiling.
    warmup: 1000
  })
  printReadBaselines(reads, ROUNDS)
}

if (import.meta.main) {
  const dataDir = mkdtempSync(join(tmpdir(), "coachup-baselines-"))
  try {
    const only = process.argv[2]
    await benchBaselines(dataDir, only === "chat" || only === "reads" ? only : undefined)
  } finally {
    rmSync(dataDir, { recursive: true, force: true })
  }
}
