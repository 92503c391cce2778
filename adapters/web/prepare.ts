/**
 * `npm ci` runs this (the prepare script): it builds the web app. Without dev dependencies
 * (`npm ci --omit=dev`) there is no Vite to build with; the install still succeeds, and the service
 * answers the app's pages with a `web_app_not_built` error until `npm run build:web` has run.
 */
import { fileURLToPath } from "node:url"

const vite = await import("vite").catch((error: unknown) => {
  if ((error as { code?: unknown }).code === "ERR_MODULE_NOT_FOUND") return null
  throw error
})
if (vite === null)
  console.warn("web app not built: Vite is a dev dependency, and dev dependencies were left out")
else await vite.build({ configFile: fileURLToPath(new URL("vite.config.ts", import.meta.url)) })
