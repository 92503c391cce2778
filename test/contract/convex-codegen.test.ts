import { execFile } from "node:child_process"
import { cp, mkdtemp, readdir, readFile, rm, symlink } from "node:fs/promises"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { promisify } from "node:util"
import { expect, it } from "vitest"

const GENERATED = "adapters/convex/functions/_generated"

it("adapters/convex/functions/_generated is what codegen makes of the functions now", async () => {
  const dir = await mkdtemp(join(tmpdir(), "coachup-codegen-"))
  try {
    await cp("adapters/convex/functions", join(dir, "adapters/convex/functions"), {
      recursive: true,
      filter: (source) => !source.includes("_generated")
    })
    await cp("domain", join(dir, "domain"), { recursive: true })
    await cp("convex.json", join(dir, "convex.json"))
    await symlink(join(process.cwd(), "node_modules"), join(dir, "node_modules"), "dir")
    await cp("package.json", join(dir, "package.json"))
    const cli = join(process.cwd(), "node_modules", "convex", "bin", "main.js")
    await promisify(execFile)(process.execPath, [cli, "codegen", "--system-udfs", "--typecheck", "disable"], {
      cwd: dir
    })
    const files = (await readdir(GENERATED)).sort()
    expect((await readdir(join(dir, GENERATED))).sort()).toEqual(files)
    for (const file of files) {
      const fresh = await readFile(join(dir, GENERATED, file), "utf8")
      expect(fresh, `${file} is stale: run npm run convex:codegen`).toBe(
        await readFile(join(GENERATED, file), "utf8")
      )
    }
  } finally {
    await rm(dir, { recursive: true, force: true })
  }
}, 120_000)
