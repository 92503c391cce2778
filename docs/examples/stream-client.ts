/**
 * Streams one coaching reply and prints it as it arrives.
 *
 *   node docs/examples/stream-client.ts "Can we practise a salary talk?" [sessionId]
 *
 * BASE_URL defaults to the service `npm start` runs. The stream is the AI SDK UI message stream
 * protocol: SSE events whose data is a JSON part (`start`, `text-delta`, `finish`, `error`, ...),
 * ending with `data: [DONE]`. Stock clients (`useChat`, `readUIMessageStream`) read it too; this one
 * needs nothing but `fetch`.
 */
const baseUrl = process.env["BASE_URL"] ?? "http://127.0.0.1:3000"
const prompt = process.argv[2] ?? "Can we practise a salary talk?"
const sessionId = process.argv[3] ?? `client-${Date.now()}`

type Part =
  | { type: "start"; messageId: string }
  | { type: "text-delta"; delta: string }
  | { type: "finish"; finishReason: string }
  | { type: "error"; errorText: string }
  | { type: string }

const response = await fetch(`${baseUrl}/chat/stream`, {
  method: "POST",
  headers: { "content-type": "application/json", "x-session-id": sessionId },
  body: JSON.stringify({ prompt })
})
if (!response.ok || response.body === null) {
  console.error(`chat failed: ${response.status} ${await response.text()}`)
  process.exit(1)
}

let buffer = ""
let messageId = ""
let failed = false
const decoder = new TextDecoder()
for await (const bytes of response.body) {
  buffer += decoder.decode(bytes, { stream: true })
  let end: number
  while ((end = buffer.indexOf("\n\n")) !== -1) {
    const event = buffer.slice(0, end)
    buffer = buffer.slice(end + 2)
    const data = event
      .split("\n")
      .filter((line) => line.startsWith("data: "))
      .map((line) => line.slice(6))
      .join("\n")
    if (data === "" || data === "[DONE]") continue
    const part = JSON.parse(data) as Part
    if (part.type === "start" && "messageId" in part) messageId = part.messageId
    if (part.type === "text-delta" && "delta" in part) process.stdout.write(part.delta)
    if (part.type === "error" && "errorText" in part) {
      failed = true
      console.error(`\n${part.errorText}`)
    }
  }
}
process.stdout.write(`\n[reply ${messageId} in session ${sessionId}]\n`)
process.exit(failed ? 1 : 0)
