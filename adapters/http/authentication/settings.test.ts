import { describe, expect, it } from "@effect/vitest"
import { ConfigProvider, Duration, Effect, Option } from "effect"
import { config, forHost, isLoopback } from "./settings.ts"

const read = (env: Record<string, string>) =>
  Effect.withConfigProvider(config, ConfigProvider.fromMap(new Map(Object.entries(env))))

const oidc = { AUTH_MODE: "oidc", AUTH_ISSUER: "https://id.example.com", AUTH_AUDIENCE: "coachup-api" }

describe("authentication settings", () => {
  it.effect("local mode by default", () =>
    Effect.gen(function* () {
      expect(yield* read({})).toEqual({ mode: "local" })
    })
  )

  it.effect(
    "oidc mode with its issuer and audience; keys from discovery unless AUTH_JWKS_URL names them",
    () =>
      Effect.gen(function* () {
        expect(yield* read({ ...oidc, AUTH_SERVICE_CLIENTS: " backend, jobs ,," })).toEqual({
          mode: "oidc",
          issuer: "https://id.example.com",
          audience: "coachup-api",
          jwksUrl: Option.none(),
          serviceClients: ["backend", "jobs"],
          webClientId: Option.none(),
          keyRefetchCooldown: Duration.seconds(30)
        })
      })
  )

  it.effect("oidc mode names every setting it lacks", () =>
    Effect.gen(function* () {
      const error = yield* Effect.flip(read({ AUTH_MODE: "oidc" }))
      expect(String(error)).toContain("AUTH_ISSUER and AUTH_AUDIENCE")
    })
  )

  it("knows the loopback addresses", () => {
    for (const host of ["127.0.0.1", "127.1.2.3", "::1", "[::1]", "localhost", "LOCALHOST"])
      expect(isLoopback(host), host).toBe(true)
    for (const host of ["0.0.0.0", "::", "10.0.0.1", "192.168.1.2", "example.com", "localhost.example.com"])
      expect(isLoopback(host), host).toBe(false)
  })

  it.effect("local mode refuses a non-loopback HOST, naming AUTH_MODE=oidc; oidc mode binds anywhere", () =>
    Effect.gen(function* () {
      const local = yield* read({})
      expect(yield* forHost(local, "127.0.0.1")).toEqual(local)
      const error = yield* Effect.flip(forHost(local, "0.0.0.0"))
      expect(String(error)).toContain("AUTH_MODE=oidc")
      const settings = yield* read(oidc)
      expect(yield* forHost(settings, "0.0.0.0")).toEqual(settings)
    })
  )
})
