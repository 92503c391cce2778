import { mkdtemp, rm } from "node:fs/promises"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { embeddedStores } from "../../../bootstrap/layers.ts"
import type { Browser } from "playwright-core"
import { afterAll, beforeAll } from "vitest"
import { startService, type TestService } from "../../support/service.ts"
import { launchBrowser } from "./browser.ts"

export interface AppService extends TestService {
  readonly dataDir: string
}

/** The real service on SQLite in a temporary DATA_DIR, with the offline models. */
export const startAppService = async (env: Record<string, string> = {}): Promise<AppService> => {
  const dataDir = await mkdtemp(join(tmpdir(), "coachup-e2e-"))
  const service = await startService({
    stores: embeddedStores,
    env: { DATA_DIR: dataDir, LLM_PROVIDER: "offline", OFFLINE_TOKEN_DELAY_MS: "5", ...env }
  })
  return {
    ...service,
    dataDir,
    close: async () => {
      await service.close()
      await rm(dataDir, { recursive: true, force: true })
    }
  }
}

/**
 * The service and a browser for one test file: started before its tests (at once, side by side) and
 * closed after them.
 */
export const appAndBrowser = (env: Record<string, string> = {}) => {
  const started: { service: AppService; browser: Browser } = {} as never
  beforeAll(async () => {
    ;[started.service, started.browser] = await Promise.all([startAppService(env), launchBrowser()])
  })
  afterAll(async () => {
    await started.browser?.close()
    await started.service?.close()
  })
  return started
}
