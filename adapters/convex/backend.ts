import { ConvexHttpClient } from "convex/browser"
import type { FunctionReference, FunctionReturnType, OptionalRestArgs } from "convex/server"
import { Config, ConfigError, Context, Effect, Either, Layer, Option, Redacted } from "effect"
import { optionalString, optionalUrl } from "../../application/config-values.ts"
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

/** What `layerConfig` reads. */
export const config = Config.all({
  url: optionalUrl("CONVEX_URL", "https://your-deployment.convex.cloud"),
  secret: optionalString("CONVEX_SERVER_SECRET")
}).pipe(
  Config.mapOrFail(({ url, secret }) =>
    Option.isNone(url)
      ? Either.left(ConfigError.MissingData([], "CONVEX_URL must name the Convex deployment"))
      : Option.isNone(secret)
        ? Either.left(
            ConfigError.MissingData(
              [],
              "CONVEX_URL is set: CONVEX_SERVER_SECRET must hold the secret the functions require"
            )
          )
        : Either.right({ url: url.value, secret: Redacted.make(secret.value) })
  )
)

/** The deployment at `CONVEX_URL`, with the `CONVEX_SERVER_SECRET` its functions require. */
export const layerConfig = Layer.unwrapEffect(Effect.map(config, layer))

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
