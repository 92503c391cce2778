import { describe, expect, it } from "@effect/vitest"
import { ConfigProvider, Duration, Effect, Option } from "effect"
import type { AuthenticationSettings } from "./authentication/settings.ts"
import { config, policyFor } from "./edge.ts"

const read = (env: Record<string, string>) =>
  Effect.withConfigProvider(config, ConfigProvider.fromMap(new Map(Object.entries(env))))

const local: AuthenticationSettings = { mode: "local" }
const oidc: AuthenticationSettings = {
  mode: "oidc",
  issuer: "https://id.example.com",
  audience: "coachup-api",
  jwksUrl: Option.none(),
  serviceClients: [],
  webClientId: Option.none(),
  keyRefetchCooldown: Duration.seconds(30)
}

describe("edge policy", () => {
  it.effect("local mode answers to the loopback names and the bound host by default", () =>
    Effect.gen(function* () {
      const policy = yield* policyFor(yield* read({}), { host: "::1", authentication: local })
      expect(policy).toEqual({ allowedHosts: ["localhost", "127.0.0.1", "[::1]"], corsOrigins: [] })
      const other = yield* policyFor(yield* read({}), { host: "127.0.0.2", authentication: local })
      expect(other.allowedHosts).toContain("127.0.0.2")
    })
  )

  it.effect("ALLOWED_HOSTS replaces the default, and oidc mode requires it", () =>
    Effect.gen(function* () {
      const values = yield* read({ ALLOWED_HOSTS: "Coach.Example.com, [::1]" })
      expect((yield* policyFor(values, { host: "0.0.0.0", authentication: oidc })).allowedHosts).toEqual([
        "coach.example.com",
        "[::1]"
      ])
      const error = yield* Effect.flip(policyFor(yield* read({}), { host: "0.0.0.0", authentication: oidc }))
      expect(String(error)).toContain("ALLOWED_HOSTS")
    })
  )

  it.effect("host names come without scheme or port, origins without path", () =>
    Effect.gen(function* () {
      for (const hosts of ["coach.example.com:443", "https://coach.example.com", "a b"])
        expect(String(yield* Effect.flip(read({ ALLOWED_HOSTS: hosts })))).toContain("ALLOWED_HOSTS")
      for (const origins of ["https://app.example.com/", "app.example.com", "https://app.example.com/x"])
        expect(String(yield* Effect.flip(read({ CORS_ORIGINS: origins })))).toContain("CORS_ORIGINS")
      expect(yield* read({ CORS_ORIGINS: "https://app.example.com,http://localhost:5173" })).toMatchObject({
        corsOrigins: ["https://app.example.com", "http://localhost:5173"]
      })
    })
  )
})
