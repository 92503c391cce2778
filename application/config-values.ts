import { Config, Duration, Option } from "effect"

/**
 * The shapes of the service's environment variables, for the `layerConfig` of each settings
 * service and adapter: each reads its own slice with these, so every variable is parsed one way.
 */

export const positiveInteger = (name: string, fallback: number) =>
  Config.integer(name).pipe(
    Config.withDefault(fallback),
    Config.validate({ message: `${name} must be a positive integer`, validation: (value) => value > 0 })
  )

export const nonNegativeInteger = (name: string, fallback: number) =>
  Config.integer(name).pipe(
    Config.withDefault(fallback),
    Config.validate({ message: `${name} must be an integer of 0 or more`, validation: (value) => value >= 0 })
  )

/** A positive whole number of `unit`s (`*_MS`, `*_SECONDS`, `*_MINUTES`, `*_DAYS`), as a Duration. */
export const duration = (
  name: string,
  fallback: number,
  unit: "millis" | "seconds" | "minutes" | "days" = "millis"
) => Config.map(positiveInteger(name, fallback), (amount) => Duration[unit](amount))

/** A variable left empty (as in a copied .env.example) counts as unset. */
export const optionalString = (name: string) =>
  Config.string(name).pipe(Config.option, Config.map(Option.filter((value) => value.trim() !== "")))

export const stringOr = (name: string, fallback: string) =>
  Config.map(
    optionalString(name),
    Option.getOrElse(() => fallback)
  )

/** An http(s) URL, or none when unset or empty. */
export const optionalUrl = (name: string, example: string) =>
  optionalString(name).pipe(
    Config.validate({
      message: `${name} must be an http(s) URL, e.g. ${example}`,
      validation: Option.match({
        onNone: () => true,
        onSome: (url) => URL.canParse(url) && ["http:", "https:"].includes(new URL(url).protocol)
      })
    })
  )

/** A comma-separated list; blanks around and between the commas are dropped, unset or empty is []. */
export const commaSeparated = (name: string) =>
  Config.map(optionalString(name), (value) =>
    Option.match(value, {
      onNone: (): ReadonlyArray<string> => [],
      onSome: (list) =>
        list
          .split(",")
          .map((item) => item.trim())
          .filter((item) => item !== "")
    })
  )
