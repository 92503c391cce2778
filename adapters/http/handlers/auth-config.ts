import { HttpApiBuilder } from "@effect/platform"
import { Effect, Option } from "effect"
import { CoachUpApi } from "../api.ts"
import type { AuthenticationSettings } from "../authentication/settings.ts"

/** What the web app needs to sign a user in: nothing secret, the same for every caller. */
export const AuthConfigLive = (settings: AuthenticationSettings) => {
  const view =
    settings.mode === "local"
      ? { mode: settings.mode, issuer: null, audience: null, clientId: null }
      : {
          mode: settings.mode,
          issuer: settings.issuer,
          audience: settings.audience,
          clientId: Option.getOrNull(settings.webClientId)
        }
  return HttpApiBuilder.group(CoachUpApi, "auth", (handlers) =>
    handlers.handle("authConfig", () => Effect.succeed(view))
  )
}
