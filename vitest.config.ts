import { defineConfig } from "vitest/config"

export default defineConfig({
  test: {
    include: ["{domain,application,adapters,bootstrap,test}/**/*.test.ts", "adapters/web/**/*.test.tsx"],
    testTimeout: 30_000,
    hookTimeout: 30_000
  }
})
