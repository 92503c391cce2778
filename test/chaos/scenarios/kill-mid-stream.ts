import { join } from "node:path"
import { performance } from "node:perf_hooks"
import { setTimeout as sleep } from "node:timers/promises"
import { formatMs } from "../figures.ts"
import { type StoredMessage, storedMessages, streamChat } from "../http.ts"
import type { Scenario } from "../scenario.ts"
import { type ServiceProcess, startService } from "../service-process.ts"

/** The offline model's pause per word: a reply of ~60 words takes about 5 s. */
const TOKEN_DELAY_MS = 80
/** The kill comes this long after the first text reached the client, at a seeded point. */
const KILL_AFTER_MS = { min: 1500, max: 3000 }
/**
 * The text the store may miss: the reply is saved about every second (REPLY_SAVE_INTERVAL_MS), plus
 * the time a save itself takes.
 */
const MAX_MISSING_MS = 1250
/** After a restart, the reply must be marked within this. */
const RECOVERY_MS = 5_000

interface Kill {
  readonly status: string
  readonly prefix: boolean
  /** How long before the kill the client already had all the text the store kept. */
  readonly missingMs: number
  readonly receivedChars: number
  readonly storedChars: number
}

/** The session's assistant reply once it is no longer `in_progress` (or when `RECOVERY_MS` passed). */
const recoveredReply = async (url: string, sessionId: string) => {
  const deadline = Date.now() + RECOVERY_MS
  for (;;) {
    const reply: StoredMessage | undefined = (await storedMessages(url, sessionId))?.find(
      (message) => message.role === "assistant"
    )
    if ((reply !== undefined && reply.status !== "in_progress") || Date.now() > deadline) return reply
    await sleep(200)
  }
}

/**
 * `kill -9` while a reply streams, after some text reached the client: after a restart the reply is
 * `incomplete`, its text a prefix of what the client received, missing at most about 1 s of it.
 */
export const killMidStream: Scenario = {
  name: "kill-mid-stream",
  run: async ({ scale, random, workDir, log }) => {
    const dataDir = join(workDir, "data")
    const env = { OFFLINE_TOKEN_DELAY_MS: String(TOKEN_DELAY_MS) }
    let service: ServiceProcess = await startService({ dataDir, env })
    const kills: Array<Kill> = []
    try {
      for (let round = 0; round < scale.midStreamKills; round++) {
        const sessionId = `stream-${round}`
        let firstText: () => void = () => undefined
        const started = new Promise<void>((resolve) => (firstText = resolve))
        const turn = streamChat(
          service.url,
          { sessionId, messageId: "prompt", prompt: `Let me practise asking for a raise, take ${round}.` },
          { onText: () => firstText() }
        )
        if (!(await Promise.race([started.then(() => true), turn.then(() => false)])))
          throw new Error(`the chat stream of ${sessionId} ended before any text`)
        const killAfter = random.int(KILL_AFTER_MS.min, KILL_AFTER_MS.max)
        await sleep(killAfter)
        const killedAt = performance.now()
        await service.kill()
        const read = await turn
        service = await startService({ dataDir, env })
        const reply = await recoveredReply(service.url, sessionId)
        const received = read.text.at(-1)?.text ?? ""
        const stored = reply?.text ?? ""
        const heldAt = read.text.find((piece) => piece.text.length >= stored.length)?.at ?? read.openedAt
        const kill: Kill = {
          status: reply?.status ?? "absent",
          prefix: received.startsWith(stored),
          missingMs: Math.max(0, killedAt - heldAt),
          receivedChars: received.length,
          storedChars: stored.length
        }
        kills.push(kill)
        log(
          `kill ${round + 1}/${scale.midStreamKills} after ${killAfter} ms of text: reply ${kill.status}, ` +
            `${kill.storedChars} of ${kill.receivedChars} characters stored, missing ${formatMs(kill.missingMs)}`
        )
      }
    } finally {
      await service.stop()
    }
    const worstMissing = Math.max(...kills.map((kill) => kill.missingMs))
    const statuses = [...new Set(kills.map((kill) => kill.status))].join("/")
    return {
      scenario: "kill-mid-stream",
      count: kills.length,
      figures:
        `replies after restart: ${statuses}; stored a prefix of the received text ${kills.filter((kill) => kill.prefix).length}/${kills.length}; ` +
        `characters stored/received ${kills.map((kill) => `${kill.storedChars}/${kill.receivedChars}`).join(", ")}; ` +
        `text missing at most ${formatMs(worstMissing)} before the kill (limit ${formatMs(MAX_MISSING_MS)})`,
      checks: [
        {
          name: "reply incomplete after restart",
          passed: kills.every((kill) => kill.status === "incomplete")
        },
        { name: "stored text a prefix of the received", passed: kills.every((kill) => kill.prefix) },
        { name: `at most ${MAX_MISSING_MS} ms of text missing`, passed: worstMissing <= MAX_MISSING_MS }
      ]
    }
  }
}
