/**
 * Holds the SQLite file named by argv[2] locked (`BEGIN EXCLUSIVE`) as another process would,
 * prints `locked`, and lets go when its stdin ends or after argv[3] milliseconds at most.
 */
import { DatabaseSync } from "node:sqlite"

const [filename, maxMs] = process.argv.slice(2)
if (filename === undefined || maxMs === undefined) {
  console.error("usage: store-lock-holder.ts <sqlite file> <max ms>")
  process.exit(2)
}
const database = new DatabaseSync(filename)
database.exec("PRAGMA busy_timeout = 10000; BEGIN EXCLUSIVE")
const release = () => {
  database.exec("ROLLBACK")
  database.close()
  process.exit(0)
}
setTimeout(release, Number(maxMs))
process.stdin.on("end", release)
process.stdin.resume()
process.stdout.write("locked\n")
