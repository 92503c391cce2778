import { useEffect, useState } from "react"
import type { ChatModelView } from "../api-types.ts"
import { useService } from "../service-context.ts"

/**
 * When the built-in offline coach answers, a short note on connecting a real model; nothing while
 * that is unknown or a model is connected (a failed read says nothing: the chat works either way).
 */
export function OfflineCoachNote() {
  const { getJson } = useService()
  const [offline, setOffline] = useState(false)
  useEffect(() => {
    const controller = new AbortController()
    getJson<ChatModelView>("/chat/model", controller.signal)
      .then((model) => setOffline(model.offline))
      .catch(() => setOffline(false))
    return () => controller.abort()
  }, [getJson])
  if (!offline) return null
  return (
    <details className="notice notice-info offline-coach">
      <summary>
        The offline coach is answering: simple built-in replies, no language model. How to connect one
      </summary>
      <p>
        To connect a model, start the service with <code>LLM_PROVIDER=openai</code> and{" "}
        <code>OPENAI_API_KEY</code>, or <code>OPENAI_BASE_URL</code> for an OpenAI-compatible server such as
        Ollama or vLLM (see <code>.env.example</code>).
      </p>
    </details>
  )
}
