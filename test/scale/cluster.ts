import { mkdtemp, rm } from "node:fs/promises"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { send } from "../chaos/http.ts"
import { type ServiceProcess, startService } from "../chaos/service-process.ts"
import { parseSamples, type Sample } from "../support/prometheus-text.ts"

/**
 * Several `node bootstrap/main.ts serve` processes on one SQLite file (one `DATA_DIR`), each on its
 * own port of 127.0.0.1: the shared harness of the multi-process checks. A check that stops one
 * process (SIGTERM during a rolling deploy) takes it from `services` and calls its `stop`.
 */
export interface Cluster {
  readonly dataDir: string
  readonly services: ReadonlyArray<ServiceProcess>
  /** The process that serves a client's `request`-th request of a session: spread round the processes. */
  readonly pick: (session: number, request: number) => ServiceProcess
  /** Every process's `/metrics`, scraped now. */
  readonly scrape: () => Promise<ReadonlyArray<ReadonlyArray<Sample>>>
  /** Stops every process (SIGTERM) and removes the data directory; answers their exit codes. */
  readonly stop: () => Promise<ReadonlyArray<number | null>>
}

/** The settings every process of a cluster must share beside `DATA_DIR` (docs: deploy). */
export const SHARED_FILE_SETTINGS = { SQLITE_SHARED_BY_PROCESSES: "true" }

/** Starts `processes` service processes on a fresh data directory, all at once: whichever takes the lock first migrates it. */
export const startCluster = async (options: {
  readonly processes: number
  readonly env?: Readonly<Record<string, string>>
}): Promise<Cluster> => {
  const dataDir = await mkdtemp(join(tmpdir(), "coachup-scale-"))
  const env = { ...SHARED_FILE_SETTINGS, ...options.env }
  const services = await Promise.all(
    Array.from({ length: options.processes }, () => startService({ dataDir, env }))
  )
  return {
    dataDir,
    services,
    pick: (session, request) => services[(session + request) % services.length]!,
    scrape: () =>
      Promise.all(
        services.map(async (service) => {
          const answer = await send(service.url, "GET", "/metrics")
          return parseSamples(String(answer.body))
        })
      ),
    stop: async () => {
      const codes = await Promise.all(services.map((service) => service.stop()))
      await rm(dataDir, { recursive: true, force: true })
      return codes
    }
  }
}
