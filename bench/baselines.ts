/**
 * Sections 6 and 7 of `npm run bench`: the chat turn and the window and page reads against the bare
 * `node:http` server, each ratio beside the target. `node bench/baselines.ts` runs them alone.
 */
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { printChatBaselines, printReadBaselines } from "./baseline-report.ts"
import { benchChatBaselines } from "./chat-baselines.ts"
import { benchReadBaselines } from "./read-baselines.ts"

const ROUNDS = 3
const CONCURRENT_STREAMS = 200

export const benchBaselines = async (dataDir: string) => {
  const chat = await benchChatBaselines({
    dataDir,
    rounds: ROUNDS,
    turns: 300,
    warmupTurns: 50,
    sessions: 8,
    singleRounds: 100,
    concurrentStreams: CONCURRENT_STREAMS,
    concurrentRounds: 3,
    idle: { streams: 1000, warmupStreams: 100, batch: 100, settleMs: 2000 }
  })
  printChatBaselines(chat, ROUNDS, CONCURRENT_STREAMS)
  const reads = await benchReadBaselines({
    dataDir,
    sizes: [100, 10_000, 1_000_000],
    rounds: ROUNDS,
    iterations: 500,
    warmup: 100
  })
  printReadBaselines(reads, ROUNDS)
}

if (import.meta.main) {
  const dataDir = mkdtempSync(join(tmpdir(), "coachup-baselines-"))
  try {
    await benchBaselines(dataDir)
  } finally {
    rmSync(dataDir, { recursive: true, force: true })
  }
}
