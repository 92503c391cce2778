/**
 * The baseline for the chat and read benchmarks: a bare `node:http` + `node:sqlite` server on the
 * service's own schema, doing a chat turn's essential work and nothing else. GET /chat/stream
 * inserts the prompt, reads the session's last 20 messages, sends the same SSE frames as the service
 * for the offline coach's reply (the same words, paced as the offline model paces them: one per
 * event-loop turn with no delay, else `OFFLINE_TOKEN_DELAY_MS` apart) and inserts the reply.
 * GET /sessions/:id/context and GET /sessions/:id/messages answer the window and a page of the
 * transcript in the service's JSON shape. Run as a script it opens `$DATA_DIR/coachup.sqlite`,
 * listens on 127.0.0.1, any free port, logs `Listening on http://…` as a JSON line like the service,
 * and stops on SIGTERM.
 */
import { createHash, randomUUID } from "node:crypto"
import { createServer, type IncomingMessage, type ServerResponse } from "node:http"
import type { AddressInfo } from "node:net"
import { join } from "node:path"
import { DatabaseSync } from "node:sqlite"
import { offlineReply } from "../adapters/llm/offline/chat-model.ts"
import { migrate } from "../adapters/sqlite/migrations.ts"
import { DEFAULT_CHAT_SYSTEM_PROMPT } from "../application/context-settings.ts"
import { writeJson } from "./baselines/write-json.ts"

const WINDOW = 20
const DEFAULT_PAGE = 50
const COLUMNS = "message_id, session_id, seq, ts, role, text, content_hash, group_id, audio_url, status"
const HEADERS = {
  "content-type": "text/event-stream",
  "cache-control": "no-cache, no-transform",
  "x-vercel-ai-ui-message-stream": "v1",
  "x-accel-buffering": "no"
}

interface Row {
  readonly message_id: string
  readonly session_id: string
  readonly seq: number
  readonly ts: number
  readonly role: "user" | "assistant"
  readonly text: string
  readonly group_id: string | null
  readonly audio_url: string | null
  readonly status: string | null
}

const view = (row: Row) => ({
  messageId: row.message_id,
  sessionId: row.session_id,
  seq: row.seq,
  ts: row.ts,
  role: row.role,
  text: row.text,
  groupId: row.group_id,
  audioUrl: row.audio_url,
  status: row.status
})

const frame = (part: unknown) => `data: ${JSON.stringify(part)}\n\n`
const hash = (role: string, text: string) => createHash("sha256").update(`${role}\n${text}`).digest("hex")
const words = (text: string) => text.split(/(?<=\s)/)

export const startBareChat = async (options: {
  readonly filename: string
  readonly tokenDelayMs: number
}) => {
  const db = new DatabaseSync(options.filename)
  db.exec("PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL;")
  migrate(db)
  const insert = db.prepare(
    `INSERT INTO messages (message_id, session_id, seq, ts, role, text, content_hash, status, created_at)
     VALUES (?, ?, (SELECT COALESCE(MAX(seq), 0) + 1 FROM messages WHERE session_id = ?), ?, ?, ?, ?, ?, ?)`
  )
  const pageAsc = db.prepare(`SELECT ${COLUMNS} FROM messages WHERE session_id = ? ORDER BY ts, seq LIMIT ?`)
  const pageDesc = db.prepare(
    `SELECT ${COLUMNS} FROM messages WHERE session_id = ? ORDER BY ts DESC, seq DESC LIMIT ?`
  )
  const append = (sessionId: string, role: string, text: string, status: string | null) => {
    const now = Date.now()
    insert.run(randomUUID(), sessionId, sessionId, now, role, text, hash(role, text), status, now)
  }
  const pace = (next: () => void) =>
    options.tokenDelayMs === 0 ? setImmediate(next) : setTimeout(next, options.tokenDelayMs)

  const chat = (url: URL, request: IncomingMessage, response: ServerResponse) => {
    const sessionId = String(request.headers["x-session-id"] ?? "bare")
    const prompt = url.searchParams.get("prompt") ?? ""
    append(sessionId, "user", prompt, null)
    const window = (pageDesc.all(sessionId, WINDOW) as unknown as Array<Row>).reverse()
    const reply = words(
      offlineReply({
        systemPrompt: DEFAULT_CHAT_SYSTEM_PROMPT,
        messages: window.map(({ role, text }) => ({ role, text })),
        providerMayStore: true,
        requestId: "bare"
      })
    )
    const messageId = randomUUID()
    const id = `text-${messageId}`
    response.writeHead(200, HEADERS)
    response.write(
      frame({ type: "start", messageId, messageMetadata: { contextMessages: window.length } }) +
        frame({ type: "text-start", id })
    )
    let sent = 0
    let text = ""
    let timer: NodeJS.Immediate | NodeJS.Timeout | undefined
    const finish = (status: "completed" | "incomplete") => append(sessionId, "assistant", text, status)
    const next = () => {
      const word = reply[sent++]
      if (word === undefined) {
        response.end(
          frame({ type: "text-end", id }) +
            frame({ type: "finish", finishReason: "stop", messageMetadata: { usage: null } }) +
            "data: [DONE]\n\n"
        )
        finish("completed")
        return
      }
      text += word
      response.write(frame({ type: "text-delta", id, delta: word }))
      timer = pace(next)
    }
    response.once("close", () => {
      if (sent > reply.length) return
      clearTimeout(timer as NodeJS.Timeout)
      clearImmediate(timer as NodeJS.Immediate)
      finish("incomplete")
    })
    timer = pace(next)
  }

  const server = createServer((request, response) => {
    const url = new URL(request.url ?? "/", "http://bare")
    const session = /^\/sessions\/([^/]+)\/(context|messages)$/.exec(url.pathname)
    if (url.pathname === "/chat/stream") return chat(url, request, response)
    if (session?.[1] === undefined) return writeJson(response, 404, { error: "not_found" })
    const sessionId = decodeURIComponent(session[1])
    if (session[2] === "context") {
      const messages = (pageDesc.all(sessionId, WINDOW) as unknown as Array<Row>).reverse()
      return writeJson(response, 200, {
        sessionId,
        for: "chat",
        limit: WINDOW,
        systemPrompt: DEFAULT_CHAT_SYSTEM_PROMPT,
        source: "store",
        reason: "store",
        messages: messages.map(view)
      })
    }
    const order = url.searchParams.get("order") === "desc" ? "desc" : "asc"
    const limit = Number(url.searchParams.get("limit") ?? DEFAULT_PAGE)
    const rows = (order === "desc" ? pageDesc : pageAsc).all(sessionId, limit + 1) as unknown as Array<Row>
    const items = rows.slice(0, limit)
    const last = items[items.length - 1]
    writeJson(response, 200, {
      sessionId,
      order,
      items: items.map(view),
      nextCursor:
        rows.length > limit && last !== undefined
          ? Buffer.from(`${last.ts}:${last.seq}`).toString("base64url")
          : null
    })
  })
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
  const { port } = server.address() as AddressInfo
  const close = () =>
    new Promise<void>((resolve) => {
      server.close(() => {
        db.close()
        resolve()
      })
      server.closeAllConnections()
    })
  return { url: `http://127.0.0.1:${port}`, close }
}

if (import.meta.main) {
  const bare = await startBareChat({
    filename: join(process.env["DATA_DIR"] ?? ".", "coachup.sqlite"),
    tokenDelayMs: Number(process.env["OFFLINE_TOKEN_DELAY_MS"] ?? "0")
  })
  console.log(JSON.stringify({ level: "INFO", message: `Listening on ${bare.url}` }))
  process.once("SIGTERM", () => void bare.close())
}
