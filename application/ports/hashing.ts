import { Context } from "effect"

/** A collision-resistant digest (hex), for message content hashes and hashed ids in telemetry. */
export class Hashing extends Context.Tag("coachup/Hashing")<
  Hashing,
  { readonly digest: (input: string) => string }
>() {}
