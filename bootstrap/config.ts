import { Config, Option } from "effect"
import { optionalString } from "../application/config-values.ts"

/**
 * The deployment's choices, and nothing else: every layer reads its own settings. Convex when
 * `CONVEX_URL` is set, else the embedded SQLite file; offline models unless `LLM_PROVIDER=openai`.
 */
export const deployment = Config.all({
  store: Config.map(optionalString("CONVEX_URL"), (url) => (Option.isSome(url) ? "convex" : "sqlite")),
  models: Config.literal("offline", "openai")("LLM_PROVIDER").pipe(Config.withDefault("offline" as const))
})
