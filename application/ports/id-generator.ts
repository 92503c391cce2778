import { Context, type Effect } from "effect"

/** Fresh unique ids (request ids, server-assigned message ids). */
export class IdGenerator extends Context.Tag("coachup/IdGenerator")<
  IdGenerator,
  { readonly next: Effect.Effect<string> }
>() {}
