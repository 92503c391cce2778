import { execFile } from "node:child_process"
import { promisify } from "node:util"

/**
 * Runs one of Debian's Prometheus binaries (package `prometheus`; `.ci/run` installs it). A missing
 * binary fails the calling test with how to install it: these checks must not pass by being skipped.
 */
export const runPrometheusTool = async (binary: "promtool" | "prometheus", args: ReadonlyArray<string>) => {
  try {
    return await promisify(execFile)(binary, [...args], { timeout: 60_000 })
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") {
      throw new Error(`${binary} is not installed: bash scripts/install-test-tools.sh`)
    }
    const { stdout, stderr } = error as { stdout?: string; stderr?: string }
    throw new Error(`${binary} ${args.join(" ")} failed:\n${stdout ?? ""}${stderr ?? ""}`)
  }
}
