import { createHash, randomUUID } from "node:crypto"
import { Effect, Layer } from "effect"
import { Hashing } from "../../application/ports/hashing.ts"
import { IdGenerator } from "../../application/ports/id-generator.ts"

/** Random UUIDs (v4) from Node's CSPRNG. */
export const idGeneratorLayer = Layer.succeed(
  IdGenerator,
  IdGenerator.of({ next: Effect.sync(() => randomUUID()) })
)

/** SHA-256, hex. */
export const hashingLayer = Layer.succeed(
  Hashing,
  Hashing.of({ digest: (input) => createHash("sha256").update(input).digest("hex") })
)

export const layer = Layer.merge(idGeneratorLayer, hashingLayer)
