import type { DatabaseSync } from "node:sqlite"

/** Runs `run` inside `BEGIN IMMEDIATE … COMMIT`, rolling back when it throws. */
export const transaction = <A>(db: DatabaseSync, run: () => A): A => {
  db.exec("BEGIN IMMEDIATE")
  try {
    const result = run()
    db.exec("COMMIT")
    return result
  } catch (error) {
    if (db.isTransaction) db.exec("ROLLBACK")
    throw error
  }
}
