import { mkdtemp, rm } from "node:fs/promises"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { embeddedStores } from "../../../bootstrap/layers.ts"
import { startService, type TestService } from "../../support/service.ts"

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
