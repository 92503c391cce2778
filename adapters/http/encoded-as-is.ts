import { HttpServerResponse } from "@effect/platform"
import type { Schema } from "effect"

/**
 * A success answered as JSON without the platform encoding it through the endpoint's success schema
 * again: for views built to be exactly that encoding already (no transformation, no field the schema
 * lacks), on reads where the encoding, field by field for each message, cost more than the read
 * (`docs/decisions/2026-12-03-read-views-encoded-as-is.md`). The same status, content type and body as
 * the platform's answer; `encoded-as-is.test.ts` holds each such view to its schema's encoding.
 */
export const encodedAsIs = <A, I>(_schema: Schema.Schema<A, I>, view: NoInfer<A>) =>
  HttpServerResponse.unsafeJson(view)
