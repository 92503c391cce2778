/**
 * The bare ingest baseline: `node:http` and `node:sqlite`, no framework. POST /messages/ingest takes
 * the service's payload (checked by hand), makes the same write (./ingest-table.ts) and answers the
 * same JSON. `node bench/baselines/bare-ingest.ts <database file>` listens on 127.0.0.1, any free
 * port, logs `Listening on http://…` as a JSON line and stops on SIGTERM.
 */
import { serveBareIngest } from "./bare-server.ts"
import { openIngestTable } from "./ingest-table.ts"
import { writeJson } from "./write-json.ts"

const ingest = openIngestTable(process.argv[2] ?? "bare-ingest.sqlite")

serveBareIngest((payload, response) => writeJson(response, 200, ingest(payload)))
