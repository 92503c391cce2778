import { readdir, readFile } from "node:fs/promises"
import { join } from "node:path"

/** Every file under `dir` (recursively) whose bytes hold `marker`, as UTF-8 or UTF-16. */
export const filesHolding = async (dir: string, marker: string) => {
  const needles = [Buffer.from(marker, "utf8"), Buffer.from(marker, "utf16le")]
  const entries = await readdir(dir, { recursive: true, withFileTypes: true })
  const holding: Array<string> = []
  for (const entry of entries.filter((entry) => entry.isFile())) {
    const path = join(entry.parentPath, entry.name)
    const bytes = await readFile(path)
    if (needles.some((needle) => bytes.includes(needle))) holding.push(path.slice(dir.length + 1))
  }
  return holding
}
