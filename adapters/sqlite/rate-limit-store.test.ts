import { mkdtempSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { describe, expect, it } from "@effect/vitest"
import { Context, Effect, Layer, Option } from "effect"
import { RateLimitBuckets } from "../../application/ports/rate-limit-buckets.ts"
import * as Database from "./database.ts"
import * as SqliteRateLimits from "./rate-limit-store.ts"

const bucket = { key: "user:a", limit: 5, refillMillis: 12_000 }

/** The buckets on their own connection to the file, as another process would open them. */
const bucketsOn = (filename: string) =>
  Effect.map(
    Layer.build(
      SqliteRateLimits.layer({ lockWait: "2 seconds" }).pipe(
        Layer.provide(Database.layer({ filename, lockDeadline: "2 seconds" }))
      )
    ),
    Context.get(RateLimitBuckets)
  )

describe("the SQLite rate-limit buckets", () => {
  it.scoped("spend one budget for every connection to the file", () =>
    Effect.gen(function* () {
      const filename = join(mkdtempSync(join(tmpdir(), "coachup-rate-limits-")), "coachup.sqlite")
      const connections = [yield* bucketsOn(filename), yield* bucketsOn(filename), yield* bucketsOn(filename)]
      const taken = yield* Effect.forEach([0, 1, 2, 0, 1, 2, 0], (index) =>
        Effect.map(connections[index]!.take([bucket]), Option.isNone)
      )
      expect(taken).toEqual([true, true, true, true, true, false, false])
    })
  )
})
