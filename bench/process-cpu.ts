/** CPU time a process has used, read from Linux's `/proc/<pid>/stat` (utime + stime). */
import { execFileSync } from "node:child_process"
import { readFileSync } from "node:fs"

const TICKS_PER_SECOND = Number(execFileSync("getconf", ["CLK_TCK"]).toString().trim())

/** User plus system CPU milliseconds of process `pid` so far (in clock ticks, usually 10 ms each). */
export const processCpuMs = (pid: number): number => {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8")
  // Fields after the command name, which sits in parentheses and may hold spaces: state is the first.
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ")
  const ticks = Number(fields[11]) + Number(fields[12])
  return (ticks * 1000) / TICKS_PER_SECOND
}
