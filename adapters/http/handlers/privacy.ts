import { HttpApiBuilder } from "@effect/platform"
import { Effect } from "effect"
import { ReadUserPrivacy, UpdatePrivacySettings } from "../../../application/update-privacy-settings.ts"
import { CoachUpApi } from "../api.ts"
import { mapDomainErrors } from "../api-errors.ts"
import { CurrentPrincipal } from "../authentication/principal.ts"

export const PrivacyLive = HttpApiBuilder.group(CoachUpApi, "privacy", (handlers) =>
  handlers
    .handle("getUserPrivacy", () =>
      Effect.gen(function* () {
        const { userId } = yield* CurrentPrincipal
        return { userId, ...(yield* ReadUserPrivacy(userId)) }
      }).pipe(mapDomainErrors)
    )
    .handle("setUserPrivacy", ({ payload }) =>
      Effect.gen(function* () {
        const { userId } = yield* CurrentPrincipal
        return { userId, ...(yield* UpdatePrivacySettings({ userId }, payload)) }
      }).pipe(mapDomainErrors)
    )
)
