#!/usr/bin/env sh
# A coaching session with curl. Start the service first (npm start); BASE_URL defaults to it.
set -eu
BASE_URL="${BASE_URL:-http://127.0.0.1:3000}"
SESSION="${SESSION:-example-$(date +%s)}"

# 1. A message the client already has (idempotent on messageId).
curl -sS "$BASE_URL/messages/ingest" -H 'content-type: application/json' \
  -d "{\"sessionId\":\"$SESSION\",\"messageId\":\"$SESSION-intro\",\"role\":\"user\",\"text\":\"I have a salary review on Friday.\"}"
echo

# 2. A coaching turn, streamed as Server-Sent Events (AI SDK UI message stream protocol). The context
#    is the session's last CHAT_CONTEXT_LIMIT messages (x-session-id, required); x-group-id is metadata
#    stored on the prompt and the reply, and selects nothing.
curl -sS -N "$BASE_URL/chat/stream?prompt=Can%20we%20practise%20it%3F" -H "x-session-id: $SESSION" \
  -H 'x-group-id: salary-review'

# 3. The transcript as stored: both user messages and the coach's reply, in order, the last two with
#    their groupId.
curl -sS "$BASE_URL/sessions/$SESSION/messages"
echo

# 4. The window the next turn will send to the model.
curl -sS "$BASE_URL/sessions/$SESSION/context?for=chat"
echo
