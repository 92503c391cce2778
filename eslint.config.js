// @ts-check
import js from "@eslint/js"
import tseslint from "typescript-eslint"

/** The hexagon's dependency rule: imports point inward only. */
const restrict = (patterns) => ({ "no-restricted-imports": ["error", { patterns }] })

export default tseslint.config(
  {
    ignores: [
      "node_modules/",
      "data/",
      "adapters/convex/functions/_generated/",
      "adapters/web/dist/",
      "coverage/",
      "test/e2e/screenshots/"
    ]
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
      "@typescript-eslint/no-explicit-any": "error"
    }
  },
  {
    files: ["domain/**/*.ts"],
    ignores: ["**/*.test.ts"],
    rules: restrict([
      {
        regex: "^(?!effect(/|$)|\\./)",
        message: "domain/ is pure: it imports only `effect` and other domain modules."
      }
    ])
  },
  {
    files: ["application/**/*.ts"],
    ignores: ["**/*.test.ts"],
    rules: restrict([
      {
        regex: "^(?!effect(/|$)|\\.{1,2}/)",
        message: "application/ depends on ports, not on I/O packages: put the I/O in an adapter."
      },
      {
        regex: "(^|/)(adapters|bootstrap)(/|$)",
        message: "application/ must not import adapters or bootstrap."
      }
    ])
  },
  {
    files: ["adapters/**/*.ts"],
    ignores: ["**/*.test.ts", "adapters/web/**"],
    rules: restrict([{ regex: "(^|/)bootstrap(/|$)", message: "adapters/ must not import bootstrap." }])
  },
  {
    // The browser app talks to the service over HTTP only: it may read the contract's types, no code.
    files: ["adapters/web/**/*.{ts,tsx}"],
    ignores: ["**/*.test.{ts,tsx}", "adapters/web/vite.config.ts"],
    rules: restrict([
      {
        regex: "(^|/)(domain|application|bootstrap|convex|sqlite|memory|llm|node|telemetry)(/|$)",
        message: "adapters/web/ runs in the browser: it reaches the service over HTTP, not by import."
      },
      {
        regex: "(^|/)http/",
        allowTypeImports: true,
        message: "adapters/web/ may import the HTTP contract's types (import type), not its code."
      },
      {
        regex: "^(effect|@effect/)",
        allowTypeImports: true,
        message: "adapters/web/ does not bundle Effect: type imports only."
      }
    ])
  }
)
