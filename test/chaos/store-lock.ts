import { once } from "node:events"
import { join } from "node:path"
import { createInterface } from "node:readline"
import { exited, spawnNode } from "./service-process.ts"

/** The store's file in a data directory (`adapters/sqlite/stores.ts`). */
export const storeFile = (dataDir: string) => join(dataDir, "coachup.sqlite")

export interface StoreLock {
  /** Ends the other process's transaction and waits for it to exit. */
  readonly release: () => Promise<void>
}

/** Another process holds the store's file locked with `BEGIN EXCLUSIVE` until released (or `maxMs`). */
export const lockStore = async (dataDir: string, maxMs: number): Promise<StoreLock> => {
  const holder = spawnNode(["test/chaos/store-lock-holder.ts", storeFile(dataDir), String(maxMs)], {
    PATH: process.env["PATH"] ?? ""
  })
  const lines = createInterface({ input: holder.stdout! })
  const [line] = (await Promise.race([once(lines, "line"), once(holder, "exit")])) as Array<unknown>
  if (line !== "locked") throw new Error(`the store lock was not taken (exit ${String(line)})`)
  return {
    release: async () => {
      holder.stdin!.end()
      await exited(holder)
    }
  }
}
