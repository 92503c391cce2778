import { join } from "node:path"
import { filesHolding } from "../data-files.ts"
import { send, storedMessages, streamChat } from "../http.ts"
import type { Scenario } from "../scenario.ts"
import { startService } from "../service-process.ts"

const MESSAGES_PER_SESSION = 6

const keptText = (index: number) => `kept message ${index}`

/**
 * A marker written into messages (and, through a chat turn, into a reply) of some sessions; the
 * sessions are deleted; then the marker must be in no file of the data directory, neither while the
 * service runs nor after it stopped (a clean stop checkpoints the WAL into the database file).
 */
export const deletionMarker: Scenario = {
  name: "deletion-marker",
  run: async ({ scale, random, workDir }) => {
    const dataDir = join(workDir, "data")
    const marker = `CHAOS-MARKER-${random.int(100_000_000, 999_999_999)}`
    const service = await startService({ dataDir, env: { OFFLINE_TOKEN_DELAY_MS: "0" } })
    const marked = Array.from({ length: scale.markedSessions }, (_, index) => `marked-${index}`)
    const statuses: Array<number> = []
    for (const sessionId of [...marked, "kept"]) {
      const text = (index: number) => (sessionId === "kept" ? keptText(index) : `${marker} message ${index}`)
      for (let index = 0; index < MESSAGES_PER_SESSION; index++) {
        const role = index % 2 === 0 ? "user" : "assistant"
        const answer = await send(service.url, "POST", "/messages/ingest", {
          body: { sessionId, messageId: `m-${index}`, role, text: text(index) }
        })
        statuses.push(answer.status)
      }
      const turn = await streamChat(service.url, {
        sessionId,
        messageId: "prompt",
        prompt: text(MESSAGES_PER_SESSION)
      })
      statuses.push(turn.ending === "finish" ? 200 : turn.status || 0)
    }
    const deletes = await Promise.all(
      marked.map((sessionId) => send(service.url, "DELETE", `/sessions/${sessionId}`))
    )
    const readBack = await Promise.all(marked.map((sessionId) => storedMessages(service.url, sessionId)))
    const kept = await storedMessages(service.url, "kept")
    const whileRunning = await filesHolding(dataDir, marker)
    const exitCode = await service.stop()
    const afterStop = await filesHolding(dataDir, marker)
    // The scan finds stored text: the kept session's is on disk.
    const keptOnDisk = await filesHolding(dataDir, keptText(0))
    const written = statuses.filter((status) => status === 200).length
    const left = readBack.reduce((count, items) => count + (items?.length ?? 0), 0)
    return {
      scenario: "deletion-marker",
      count: marked.length * (MESSAGES_PER_SESSION + 2),
      figures:
        `${written}/${statuses.length} writes answered, ${deletes.filter((answer) => answer.status === 200).length}/${deletes.length} deletes answered 200, ` +
        `${left} marked messages readable after delete; files holding the marker: ${whileRunning.length} while running` +
        `${whileRunning.length > 0 ? ` (${whileRunning.join(", ")})` : ""}, ${afterStop.length} after stop` +
        `${afterStop.length > 0 ? ` (${afterStop.join(", ")})` : ""}; stop exit code ${exitCode}`,
      checks: [
        { name: "every write answered", passed: written === statuses.length },
        { name: "deletes answered 200", passed: deletes.every((answer) => answer.status === 200) },
        { name: "deleted messages unreadable", passed: left === 0 },
        { name: "other sessions kept", passed: kept?.length === MESSAGES_PER_SESSION + 2 },
        { name: "the scan finds kept text on disk", passed: keptOnDisk.length > 0 },
        { name: "marker in no file while running", passed: whileRunning.length === 0 },
        { name: "marker in no file after stop", passed: afterStop.length === 0 },
        { name: "clean stop", passed: exitCode === 0 }
      ]
    }
  }
}
