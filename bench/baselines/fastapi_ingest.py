"""The FastAPI peer of the ingest baselines: FastAPI + uvicorn (uvloop, httptools) + sqlite3, one
POST /messages/ingest with a pydantic payload, making the same write as the Node baselines
(bench/baselines/ingest-table.ts) into a `messages` table of the service's columns and indexes. The
handler is `async`: the write runs on the event loop, as `node:sqlite` does in the Node servers.
`python3 bench/baselines/fastapi_ingest.py <database file>` listens on 127.0.0.1, any free port,
logs `Listening on http://...` as a JSON line and stops on SIGTERM."""

import hashlib
import json
import socket
import sqlite3
import sys
import time
from typing import Literal, Optional

import uvicorn
from fastapi import FastAPI
from pydantic import BaseModel

db = sqlite3.connect(sys.argv[1] if len(sys.argv) > 1 else "fastapi-ingest.sqlite", isolation_level=None)
db.executescript(
    """
    PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL;
    CREATE TABLE IF NOT EXISTS messages (
      session_id TEXT NOT NULL, message_id TEXT NOT NULL, seq INTEGER NOT NULL, ts INTEGER NOT NULL,
      role TEXT NOT NULL CHECK (role IN ('user', 'assistant')), text TEXT NOT NULL,
      content_hash TEXT NOT NULL, group_id TEXT, audio_url TEXT,
      status TEXT CHECK (status IN ('in_progress', 'completed', 'incomplete')), created_at INTEGER NOT NULL,
      PRIMARY KEY (session_id, message_id)
    ) STRICT;
    CREATE UNIQUE INDEX IF NOT EXISTS messages_session_seq ON messages (session_id, seq);
    CREATE INDEX IF NOT EXISTS messages_session_ts_seq ON messages (session_id, ts, seq);
    CREATE INDEX IF NOT EXISTS messages_ts ON messages (ts);
    """
)


class Message(BaseModel):
    sessionId: str
    messageId: str
    role: Literal["user", "assistant"]
    text: str
    ts: Optional[int] = None


class Answer(BaseModel):
    messageId: str
    sessionId: str
    persisted: bool
    queued: bool
    duplicate: bool


app = FastAPI()


@app.post("/messages/ingest", response_model=Answer)
async def ingest(message: Message) -> Answer:
    now = int(time.time() * 1000)
    db.execute("BEGIN IMMEDIATE")
    try:
        duplicate = (
            db.execute(
                "SELECT 1 FROM messages WHERE session_id = ? AND message_id = ?",
                (message.sessionId, message.messageId),
            ).fetchone()
            is not None
        )
        if not duplicate:
            (seq,) = db.execute(
                "SELECT COALESCE(MAX(seq), 0) + 1 FROM messages WHERE session_id = ?", (message.sessionId,)
            ).fetchone()
            db.execute(
                "INSERT INTO messages (message_id, session_id, seq, ts, role, text, content_hash, group_id,"
                " audio_url, status, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, NULL, NULL, ?, ?)",
                (
                    message.messageId,
                    message.sessionId,
                    seq,
                    message.ts if message.ts is not None else now,
                    message.role,
                    message.text,
                    hashlib.sha256(f"{message.role}\n{message.text}".encode()).hexdigest(),
                    "completed" if message.role == "assistant" else None,
                    now,
                ),
            )
        db.execute("COMMIT")
    except BaseException:
        db.execute("ROLLBACK")
        raise
    return Answer(
        messageId=message.messageId, sessionId=message.sessionId, persisted=True, queued=False, duplicate=duplicate
    )


if __name__ == "__main__":
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    port = listener.getsockname()[1]
    server = uvicorn.Server(
        uvicorn.Config(app, loop="uvloop", http="httptools", log_level="warning", access_log=False)
    )
    print(json.dumps({"level": "INFO", "message": f"Listening on http://127.0.0.1:{port}"}), flush=True)
    server.run(sockets=[listener])
