import { readFileSync } from "node:fs"
import { describe, expect, it } from "@effect/vitest"
import { ConfigProvider, Effect, Either, Redacted } from "effect"
import { appConfig } from "./config.ts"

const example = readFileSync(".env.example", "utf8")
const assignments = new Map(
  example
    .split("\n")
    .filter((line) => /^[A-Z][A-Z0-9_]*=/.test(line))
    .map((line) => [line.slice(0, line.indexOf("=")), line.slice(line.indexOf("=") + 1)] as const)
)
const documented = new Set(Array.from(example.matchAll(/^#? ?([A-Z][A-Z0-9_]+)=/gm), (match) => match[1]))

const read = (env: Map<string, string>) =>
  Effect.withConfigProvider(Effect.either(appConfig), ConfigProvider.fromMap(env))

describe(".env.example", () => {
  it("documents every variable the configuration reads", () => {
    const source = readFileSync("bootstrap/config.ts", "utf8")
    const read = new Set(
      Array.from(source.matchAll(/"([A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+)"/g), (match) => match[1])
    )
    expect([...read].filter((name) => !documented.has(name))).toEqual([])
  })

  it.effect("used as it is, gives exactly the defaults", () =>
    Effect.gen(function* () {
      const fromExample = Either.getOrThrow(yield* read(assignments))
      const defaults = Either.getOrThrow(yield* read(new Map()))
      const { idHashSalt: a, ...exampleRest } = fromExample
      const { idHashSalt: b, ...defaultRest } = defaults
      expect(exampleRest).toEqual(defaultRest)
      expect(Redacted.value(a)).not.toBe("")
      expect(Redacted.value(b)).not.toBe("")
    })
  )
})
