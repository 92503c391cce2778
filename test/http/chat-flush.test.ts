import { request } from "node:http"
import { afterAll, beforeAll, expect, it } from "vitest"
import { memoryStores } from "../../bootstrap/layers.ts"
import { startService, type TestService } from "../support/service.ts"

let service: TestService<never>
beforeAll(async () => {
  // The offline model with no token delay makes its whole reply without ever waiting.
  service = await startService({ stores: memoryStores, env: { OFFLINE_TOKEN_DELAY_MS: "0" } })
})
afterAll(() => service.close())

/**
 * The response body, read on this event loop (the service's own), with the number of the loop's
 * turn in which each piece arrived.
 */
const read = (path: string, sessionId: string) =>
  new Promise<{ readonly body: string; readonly deltaTurns: ReadonlySet<number>; readonly doneTurn: number }>(
    (resolve, reject) => {
      let turn = 0
      let reading = true
      const count = () => {
        turn++
        if (reading) setImmediate(count)
      }
      setImmediate(count)
      let body = ""
      const deltaTurns = new Set<number>()
      let doneTurn = -1
      request(
        `${service.url}${path}`,
        { agent: false, headers: { "x-session-id": sessionId } },
        (response) => {
          response.setEncoding("utf8")
          response.on("data", (chunk: string) => {
            body += chunk
            if (chunk.includes('"type":"text-delta"')) deltaTurns.add(turn)
            if (chunk.includes("data: [DONE]")) doneTurn = turn
          })
          response.on("end", () => {
            reading = false
            resolve({ body, deltaTurns, doneTurn })
          })
          response.on("error", reject)
        }
      )
        .on("error", reject)
        .end()
    }
  )

it("sends the text as it is made: a model that never waits does not have its reply held back to the end", async () => {
  const { body, deltaTurns, doneTurn } = await read(
    `/chat/stream?prompt=${encodeURIComponent("How do I open a hard talk?")}`,
    "flush"
  )
  const deltas = body.match(/"type":"text-delta"/g)?.length ?? 0
  expect(deltas).toBeGreaterThan(10)
  // Node sends a response's writes once the event loop turns. The words made together go out
  // together, in a turn of their own: a writer that never let the loop turn would deliver them with
  // the end of the stream, once the reply is recorded.
  expect(Math.max(...deltaTurns)).toBeLessThan(doneTurn)
})
