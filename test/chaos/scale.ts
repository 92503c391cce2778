import { MiB } from "./figures.ts"

/** How much of each scenario a run does. */
export interface Scale {
  readonly name: "full" | "small"
  /** `kill -9`s during ingest bursts, chat turns and assessment work. */
  readonly kills: number
  /** `kill -9`s while a reply streams. */
  readonly midStreamKills: number
  /** How long another process holds the store file locked. */
  readonly lockMs: number
  readonly hostileRequests: number
  readonly streamAttempts: number
  /** The global stream cap the service is started with, and the per-user one. */
  readonly streamCap: number
  readonly streamCapPerUser: number
  /** Opted-out sessions of one 32,000-character message each, and the session memory budget. */
  readonly sessions: number
  readonly sessionMemoryBudgetBytes: number
  /** Sessions holding the marker that a deletion must remove from disk. */
  readonly markedSessions: number
}

export const scales: Readonly<Record<Scale["name"], Scale>> = {
  full: {
    name: "full",
    kills: 24,
    midStreamKills: 5,
    lockMs: 10_000,
    hostileRequests: 10_000,
    streamAttempts: 2_000,
    streamCap: 200,
    streamCapPerUser: 5,
    sessions: 6_000,
    sessionMemoryBudgetBytes: 64 * MiB,
    markedSessions: 5
  },
  small: {
    name: "small",
    kills: 3,
    midStreamKills: 1,
    lockMs: 2_000,
    hostileRequests: 300,
    streamAttempts: 120,
    streamCap: 20,
    streamCapPerUser: 3,
    sessions: 1_000,
    sessionMemoryBudgetBytes: 1 * MiB,
    markedSessions: 1
  }
}
