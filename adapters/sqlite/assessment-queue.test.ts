import { DatabaseSync } from "node:sqlite"
import { describe, expect, it } from "vitest"
import { depthSql } from "./assessment-queue.ts"
import { migrate } from "./migrations.ts"

describe("SQLite assessment queue", () => {
  it("counts the queue depth over the partial indexes, never scanning the whole jobs table", () => {
    const db = new DatabaseSync(":memory:")
    migrate(db)
    const plan = (db.prepare(`EXPLAIN QUERY PLAN ${depthSql}`).all() as Array<{ detail: string }>).map(
      (row) => row.detail
    )
    expect(plan).toContain("SCAN assessment_jobs USING COVERING INDEX assessment_jobs_pending")
    expect(plan).toContain("SCAN assessment_jobs USING COVERING INDEX assessment_jobs_running")
    expect(plan.filter((detail) => /^SCAN assessment_jobs$/.test(detail))).toEqual([])
    db.close()
  })
})
