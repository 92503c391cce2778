import { createServer } from "node:net"

/** A TCP port on 127.0.0.1 that was free a moment ago: another process may take it before it is used. */
export const freePort = () =>
  new Promise<number>((resolve, reject) => {
    const probe = createServer()
    probe.once("error", reject)
    probe.listen(0, "127.0.0.1", () => {
      const address = probe.address()
      probe.close(() =>
        typeof address === "object" && address !== null
          ? resolve(address.port)
          : reject(new Error(`no port for the probe: ${String(address)}`))
      )
    })
  })
