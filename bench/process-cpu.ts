import { execFileSync } from "node:child_process"
import { readFileSync } from "node:fs"

/** Kernel clock ticks per second, the unit of `/proc/<pid>/stat`'s CPU times. */
const TICKS_PER_SECOND = Number(execFileSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).trim())

/** CPU time (user + system) a process has used so far, in milliseconds, from `/proc/<pid>/stat`. */
export const cpuMillis = (pid: number): number => {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8")
  // The command name may hold spaces; the fields after it start with the state (field 3).
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ")
  const utime = Number(fields[11])
  const stime = Number(fields[12])
  return ((utime + stime) * 1000) / TICKS_PER_SECOND
}
