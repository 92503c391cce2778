import { ConvexHttpClient } from "convex/browser"
import type { FunctionReference, FunctionReturnType, OptionalRestArgs } from "convex/server"
import { Context, Effect, Layer, Redacted } from "effect"
import { StoreUnavailable } from "../../domain/errors.ts"

/** What the store adapters need of Convex: `ConvexHttpClient` in production, `convex-test` in tests. */
export interface ConvexCaller {
  query<F extends FunctionReference<"query">>(
    fn: F,
    ...args: OptionalRestArgs<F>
  ): Promise<FunctionReturnType<F>>
  mutation<F extends FunctionReference<"mutation">>(
    fn: F,
    ...args: OptionalRestArgs<F>
  ): Promise<FunctionReturnType<F>>
}

/** A Convex deployment and the server secret its functions require. */
export class ConvexBackend extends Context.Tag("coachup/convex/ConvexBackend")<
  ConvexBackend,
  { readonly caller: ConvexCaller; readonly secret: Redacted.Redacted<string> }
>() {}

/** A deployment reached over HTTP. */
export const layer = (options: { readonly url: string; readonly secret: Redacted.Redacted<string> }) =>
  Layer.sync(ConvexBackend, () => ({ caller: new ConvexHttpClient(options.url), secret: options.secret }))

const describe = (cause: unknown) => {
  const data = (cause as { data?: { code?: string; message?: string } }).data
  if (data?.code !== undefined) return `${data.code}: ${data.message ?? ""}`
  return cause instanceof Error ? cause.message : String(cause)
}

/** One Convex call; any failure (network, function error, refused secret) is `StoreUnavailable`. */
export const call = <A>(operation: string, run: () => Promise<A>) =>
  Effect.tryPromise({
    try: run,
    catch: (cause) => new StoreUnavailable({ operation, reason: describe(cause) })
  })

/** One Convex call whose answer is decoded on arrival; a decoding failure is `StoreUnavailable` too. */
export const callDecoded = <A>(
  operation: string,
  decode: (answer: unknown) => A,
  run: () => Promise<unknown>
) => call(operation, async () => decode(await run()))
