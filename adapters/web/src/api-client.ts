/** A failed call to the service: its error envelope, or `unreachable` when no answer came. */
export class ApiError extends Error {
  override readonly name = "ApiError"
  readonly status: number
  readonly code: string
  /** From a 429's Retry-After header. */
  readonly retryAfterSeconds: number | null

  constructor(status: number, code: string, message: string, retryAfterSeconds: number | null = null) {
    super(message)
    this.status = status
    this.code = code
    this.retryAfterSeconds = retryAfterSeconds
  }
}

const isEnvelope = (body: unknown): body is { error: { code: string; message: string } } =>
  typeof body === "object" &&
  body !== null &&
  typeof (body as { error?: { code?: unknown } }).error?.code === "string"

/** Reads the error envelope of a failed response; a body of another shape still gives its status. */
export const errorFromResponse = async (response: Response): Promise<ApiError> => {
  const text = await response.text().catch(() => "")
  let body: unknown = null
  try {
    body = JSON.parse(text)
  } catch {
    // A proxy's HTML page or an empty body: the status alone describes it.
  }
  const retryAfter = Number(response.headers.get("retry-after"))
  return new ApiError(
    response.status,
    isEnvelope(body) ? body.error.code : "http_error",
    isEnvelope(body) ? body.error.message : `The service answered ${response.status}.`,
    response.status === 429 && Number.isFinite(retryAfter) && retryAfter > 0 ? retryAfter : null
  )
}

/** The calls the app makes to the service, over a `fetch` (the browser's, or a test's fake). */
export interface ServiceClient {
  /** `fetch` that fails with an ApiError on a non-2xx answer or no answer at all. */
  readonly fetchOk: (input: RequestInfo | URL, init?: RequestInit) => Promise<Response>
  readonly getJson: <A>(path: string, signal?: AbortSignal) => Promise<A>
  readonly sendJson: <A>(method: "PUT" | "DELETE", path: string, body?: unknown) => Promise<A>
}

export const serviceClient = (
  fetcher: (input: RequestInfo | URL, init?: RequestInit) => Promise<Response> = (input, init) =>
    fetch(input, init)
): ServiceClient => {
  const fetchOk = async (input: RequestInfo | URL, init?: RequestInit): Promise<Response> => {
    let response: Response
    try {
      response = await fetcher(input, init)
    } catch (cause) {
      if (cause instanceof DOMException && cause.name === "AbortError") throw cause
      throw new ApiError(0, "unreachable", "The Coach Up service cannot be reached.")
    }
    if (!response.ok) throw await errorFromResponse(response)
    return response
  }
  return {
    fetchOk,
    getJson: async <A>(path: string, signal?: AbortSignal): Promise<A> =>
      (await fetchOk(path, signal === undefined ? {} : { signal })).json() as Promise<A>,
    sendJson: async <A>(method: "PUT" | "DELETE", path: string, body?: unknown): Promise<A> =>
      (
        await fetchOk(path, {
          method,
          ...(body === undefined
            ? {}
            : { body: JSON.stringify(body), headers: { "content-type": "application/json" } })
        })
      ).json() as Promise<A>
  }
}

/**
 * A session nobody has written to yet answers 404 `session_not_found`, as another user's would:
 * the app reads it as the empty session it is about to start.
 */
export const orWhenNoSession = async <A>(read: Promise<A>, empty: () => A | Promise<A>): Promise<A> => {
  try {
    return await read
  } catch (cause) {
    if (cause instanceof ApiError && cause.code === "session_not_found") return empty()
    throw cause
  }
}

/** What to tell a person about a failure, in one sentence or two. */
export const describeError = (error: unknown): string => {
  if (error instanceof ApiError) {
    if (error.code === "unreachable")
      return "The Coach Up service cannot be reached. Check that it is running, then retry."
    if (error.status === 429)
      return error.retryAfterSeconds === null
        ? "Too many messages at once. Wait a moment, then retry."
        : `Too many messages at once. You can retry in ${error.retryAfterSeconds} s.`
    return error.message
  }
  return error instanceof Error && error.message !== "" ? error.message : "Something went wrong."
}
