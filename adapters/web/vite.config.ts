import { fileURLToPath } from "node:url"
import react from "@vitejs/plugin-react"
import { defineConfig } from "vite"

/** The service `npm run dev:web` proxies the API to (`npm start` in another terminal). */
const service = "http://127.0.0.1:3000"

// Only the API's paths go to the service: `/settings` itself is a page of the app.
const apiPaths = [
  "/auth/config",
  "/chat/",
  "/messages/",
  "/sessions",
  "/groups/",
  "/settings/privacy",
  "/healthz"
]

export default defineConfig({
  root: fileURLToPath(new URL(".", import.meta.url)),
  plugins: [react()],
  build: {
    outDir: "dist",
    emptyOutDir: true,
    rollupOptions: {
      // zod, inside the AI SDK, has comments Rollup cannot place and drops: harmless, and not ours to fix.
      onwarn: (warning, warn) => {
        if (warning.code === "INVALID_ANNOTATION" && warning.id?.includes("node_modules") === true) return
        warn(warning)
      }
    }
  },
  server: { proxy: Object.fromEntries(apiPaths.map((path) => [path, service])) }
})
