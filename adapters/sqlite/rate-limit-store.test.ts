import { mkdtempSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { RateLimiter } from "@effect/experimental"
import { describe, expect, it } from "@effect/vitest"
import { Context, Duration, Effect, Layer } from "effect"
import * as Database from "./database.ts"
import * as SqliteRateLimits from "./rate-limit-store.ts"

const bucket = { key: "user:a", tokens: 1, limit: 5, refillRate: Duration.seconds(12), allowOverflow: false }

/** The store on its own connection to the file, as another process would open it. */
const storeOn = (filename: string) =>
  Effect.map(
    Layer.build(
      SqliteRateLimits.layer({ lockWait: "2 seconds" }).pipe(
        Layer.provide(Database.layer({ filename, lockDeadline: "2 seconds" }))
      )
    ),
    Context.get(RateLimiter.RateLimiterStore)
  )

describe("the SQLite rate-limit store", () => {
  it.scoped("spends one budget for every connection to the file", () =>
    Effect.gen(function* () {
      const filename = join(mkdtempSync(join(tmpdir(), "coachup-rate-limits-")), "coachup.sqlite")
      const stores = [yield* storeOn(filename), yield* storeOn(filename), yield* storeOn(filename)]
      const answers = yield* Effect.forEach([0, 1, 2, 0, 1, 2, 0], (index) =>
        stores[index]!.tokenBucket(bucket)
      )
      expect(answers).toEqual([4, 3, 2, 1, 0, -1, -1])
    })
  )
})
