import { Ajv2020, type ValidateFunction } from "ajv/dist/2020.js"
import { expect } from "vitest"

type Json = Record<string, unknown>

interface Operation {
  readonly method: string
  readonly regex: RegExp
  readonly path: string
  readonly responses: Record<string, Json>
}

/**
 * Checks responses against the service's own OpenAPI document: the status must be documented for
 * the route, and a JSON body must match the schema documented for that status.
 */
export class OpenApiValidator {
  private readonly ajv = new Ajv2020({ strict: false, allErrors: true })
  private readonly compiled = new Map<string, ValidateFunction>()
  private readonly operations: ReadonlyArray<Operation>
  private readonly spec: Json

  constructor(spec: Json) {
    this.spec = spec
    this.operations = Object.entries(spec["paths"] as Record<string, Record<string, Json>>).flatMap(
      ([path, ops]) =>
        Object.entries(ops).map(([method, op]) => ({
          method: method.toUpperCase(),
          path,
          regex: new RegExp(`^${path.replace(/\{[^}]+\}/g, "[^/]+")}$`),
          responses: op["responses"] as Record<string, Json>
        }))
    )
  }

  static async fetch(baseUrl: string) {
    const response = await fetch(`${baseUrl}/openapi.json`)
    return new OpenApiValidator((await response.json()) as Json)
  }

  /** Checks one response; responses outside the API (unknown routes, docs) are skipped. */
  check(method: string, url: string, reply: { status: number; body: unknown; headers: Headers }) {
    const pathname = url.split("?", 1)[0] ?? url
    const operation = this.operations.find((op) => op.method === method && op.regex.test(pathname))
    if (operation === undefined) return
    const documented = operation.responses[String(reply.status)]
    expect(
      documented,
      `${method} ${operation.path} answered ${reply.status}, which it does not document`
    ).toBeDefined()
    const content = documented?.["content"] as Record<string, { schema?: Json }> | undefined
    const json = content?.["application/json"]?.schema
    if (json === undefined) return
    const key = `${method} ${operation.path} ${reply.status}`
    let validate = this.compiled.get(key)
    if (validate === undefined) {
      validate = this.ajv.compile({ ...json, components: this.spec["components"] })
      this.compiled.set(key, validate)
    }
    const valid = validate(reply.body)
    expect(valid, `${key}: ${this.ajv.errorsText(validate.errors)}`).toBe(true)
  }
}
