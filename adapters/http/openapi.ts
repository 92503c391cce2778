type Json = Record<string, unknown>

const DECODE_ERROR_SCHEMAS = ["HttpApiDecodeError", "Issue", "PropertyKey"]
const isDecodeErrorRef = (schema: unknown) =>
  (schema as Json | undefined)?.["$ref"] === "#/components/schemas/HttpApiDecodeError"

/**
 * HttpApi documents its default decode failure on every endpoint, but the request middleware
 * answers every bad request with the `BadRequest` envelope. The document says what is sent.
 */
export const withoutDefaultDecodeError = (spec: Json): Json => {
  for (const operations of Object.values((spec["paths"] ?? {}) as Record<string, Json>)) {
    for (const operation of Object.values(operations) as Array<Json>) {
      const response = ((operation["responses"] ?? {}) as Record<string, Json>)["400"]
      const media = (response?.["content"] as Record<string, Json> | undefined)?.["application/json"]
      const anyOf = (media?.["schema"] as Json | undefined)?.["anyOf"] as Array<unknown> | undefined
      if (response === undefined || media === undefined || anyOf === undefined) continue
      const rest = anyOf.filter((schema) => !isDecodeErrorRef(schema))
      media["schema"] = rest.length === 1 ? rest[0] : { anyOf: rest }
      response["description"] = "The request is malformed; the message names the field"
    }
  }
  const schemas = ((spec["components"] ?? {}) as Json)["schemas"] as Json | undefined
  if (schemas !== undefined) for (const name of DECODE_ERROR_SCHEMAS) delete schemas[name]
  return spec
}

/** Statuses whose answers may say when to retry. */
const RETRY_STATUSES = ["429", "503"]

/**
 * A 429 or a 503 at capacity (`too_many_streams`, `overloaded`) carries `Retry-After`; HttpApi has no
 * way to declare a header on an error, so the document gets it here.
 */
export const withRetryAfter = (spec: Json): Json => {
  for (const operations of Object.values((spec["paths"] ?? {}) as Record<string, Json>)) {
    for (const operation of Object.values(operations) as Array<Json>) {
      const responses = (operation["responses"] ?? {}) as Record<string, Json>
      for (const status of RETRY_STATUSES) {
        const response = responses[status]
        if (response === undefined) continue
        response["headers"] = {
          "Retry-After": {
            description:
              "Whole seconds to wait before retrying (sent with rate limits and capacity refusals)",
            schema: { type: "integer", minimum: 1 }
          }
        }
      }
    }
  }
  return spec
}
