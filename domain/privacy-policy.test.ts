import { describe, expect, it } from "@effect/vitest"
import { Option } from "effect"
import { decidePersistence } from "./privacy-policy.ts"

const flag = (value: boolean | undefined) => Option.fromNullable(value)

describe("decidePersistence", () => {
  it.each([
    { enabled: true, user: undefined, session: undefined, expected: { persist: true } },
    { enabled: true, user: false, session: undefined, expected: { persist: true } },
    { enabled: true, user: true, session: undefined, expected: { persist: false, reason: "user_opt_out" } },
    {
      enabled: true,
      user: undefined,
      session: true,
      expected: { persist: false, reason: "session_opt_out" }
    },
    { enabled: true, user: true, session: false, expected: { persist: true } },
    { enabled: true, user: false, session: true, expected: { persist: false, reason: "session_opt_out" } },
    {
      enabled: false,
      user: undefined,
      session: undefined,
      expected: { persist: false, reason: "persistence_disabled" }
    },
    {
      enabled: false,
      user: false,
      session: false,
      expected: { persist: false, reason: "persistence_disabled" }
    }
  ])("global=$enabled user=$user session=$session", ({ enabled, user, session, expected }) => {
    expect(
      decidePersistence({ persistenceEnabled: enabled, userOptOut: flag(user), sessionOptOut: flag(session) })
    ).toEqual(expected)
  })
})
