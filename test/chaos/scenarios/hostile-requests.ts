import { join } from "node:path"
import { formatCounts, formatMiB, formatMs, percentile, tally } from "../figures.ts"
import { type Deadlines, endpoints, hostileRequest } from "../hostile-generator.ts"
import { exchange, type RawAnswer } from "../raw-http.ts"
import type { Scenario } from "../scenario.ts"
import { startService } from "../service-process.ts"

const DEADLINES: Deadlines = { headersMs: 1000, bodyMs: 2000, handlerMs: 5000 }
const CONNECTIONS = 16
/** Requests sent before the baseline RSS is read, so that lazily built state is in it. */
const WARM_UP_SHARE = 0.05
const RSS_GROWTH_LIMIT = 0.1

type Verdict = "answered" | "5xx" | "past the deadline" | "closed without an answer"

interface Judged {
  readonly kind: string
  readonly answer: RawAnswer
  readonly verdict: Verdict
  readonly envelope: boolean
}

const isEnvelope = (body: string) => {
  const start = body.indexOf("{")
  try {
    const parsed = JSON.parse(body.slice(start, body.lastIndexOf("}") + 1)) as { error?: { code?: unknown } }
    return start !== -1 && typeof parsed.error?.code === "string"
  } catch {
    return false
  }
}

const verdictOf = (answer: RawAnswer, dueMs: number): Verdict => {
  if (answer.status >= 500) return "5xx"
  if (answer.status === 0 ? !answer.ended : answer.ms > dueMs) return "past the deadline"
  return answer.status === 0 ? "closed without an answer" : "answered"
}

/**
 * Generated hostile requests (seeded) over every endpoint, 16 connections at a time: deep and bad
 * JSON, wrong content types and types, control characters, huge headers, malformed HTTP, bad ids
 * and queries, oversized, slow bodies and headers, unknown routes, with valid requests among them.
 * None is answered 5xx, none past its deadline, every 4xx carries the error envelope, and RSS
 * (after a full collection) comes back within 10 % of what it was after a warm-up.
 */
export const hostileRequests: Scenario = {
  name: "hostile-requests",
  run: async ({ scale, random, workDir, log }) => {
    const service = await startService({
      dataDir: join(workDir, "data"),
      env: {
        HEADERS_TIMEOUT_MS: String(DEADLINES.headersMs),
        BODY_TIMEOUT_MS: String(DEADLINES.bodyMs),
        HANDLER_TIMEOUT_MS: String(DEADLINES.handlerMs),
        OFFLINE_TOKEN_DELAY_MS: "0"
      },
      inspect: true
    })
    const port = Number(new URL(service.url).port)
    const judged: Array<Judged> = []
    let next = 0
    const send = async (until: number) => {
      while (next < until) {
        next++
        const request = hostileRequest(random, DEADLINES)
        const answer = await exchange(port, request, request.dueMs + 1000)
        const head = request.chunks[0]!.subarray(0, 5).toString("latin1") === "HEAD "
        judged.push({
          kind: request.kind,
          answer,
          verdict: verdictOf(answer, request.dueMs),
          envelope: answer.status < 400 || answer.status >= 500 || head || isEnvelope(answer.body)
        })
      }
    }
    const batch = (until: number) => Promise.all(Array.from({ length: CONNECTIONS }, () => send(until)))
    try {
      await batch(Math.ceil(scale.hostileRequests * WARM_UP_SHARE))
      await service.collectGarbage()
      const before = service.rssBytes()
      await batch(scale.hostileRequests)
      await service.collectGarbage()
      const after = service.rssBytes()
      const verdicts = tally(judged.map((entry) => entry.verdict))
      const statuses = tally(
        judged.map((entry) =>
          entry.answer.status === 0 ? "none" : `${Math.floor(entry.answer.status / 100)}xx`
        )
      )
      const withoutEnvelope = judged.filter((entry) => !entry.envelope)
      const growth = (after - before) / before
      const fiveHundreds = judged.filter((entry) => entry.verdict === "5xx")
      if (fiveHundreds.length + withoutEnvelope.length > 0)
        log(
          `5xx by kind: ${formatCounts(tally(fiveHundreds.map((entry) => entry.kind)))}; ` +
            `4xx without envelope by kind: ${formatCounts(tally(withoutEnvelope.map((entry) => `${entry.kind} ${entry.answer.status}`)))}`
        )
      return {
        scenario: "hostile-requests",
        count: judged.length,
        figures:
          `${endpoints.length} routes, ${Object.keys(tally(judged.map((entry) => entry.kind))).length} kinds; ` +
          `answers ${formatCounts(statuses)}; 5xx ${verdicts["5xx"] ?? 0}, past the deadline ${verdicts["past the deadline"] ?? 0}, ` +
          `closed without an answer ${verdicts["closed without an answer"] ?? 0}, 4xx without the envelope ${withoutEnvelope.length}; ` +
          `answer p99 ${formatMs(
            percentile(
              judged.map((entry) => entry.answer.ms),
              99
            )
          )}; ` +
          `RSS after a full collection ${formatMiB(before)} after warm-up, ${formatMiB(after)} at the end (${growth >= 0 ? "+" : ""}${(growth * 100).toFixed(1)} %); ` +
          `ERROR lines logged ${service.errorLines().length}`,
        checks: [
          { name: "0 × 5xx", passed: fiveHundreds.length === 0 },
          { name: "0 past the deadline", passed: (verdicts["past the deadline"] ?? 0) === 0 },
          { name: "4xx with the error envelope", passed: withoutEnvelope.length === 0 },
          { name: "RSS back within 10 %", passed: growth <= RSS_GROWTH_LIMIT }
        ]
      }
    } finally {
      await service.stop()
    }
  }
}
