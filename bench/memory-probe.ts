/**
 * Preloaded (`node --expose-gc --import ./bench/memory-probe.ts …`) into a child process whose
 * memory the bench measures: on the IPC message "memory" it collects garbage (when `--expose-gc`
 * is given) and answers with `process.memoryUsage()`. Should the bench go away without stopping
 * it, the closed IPC channel stops the child with SIGTERM, so that no server outlives the bench.
 */
export interface MemorySample {
  readonly rss: number
  readonly heapUsed: number
  readonly heapTotal: number
  readonly external: number
  readonly arrayBuffers: number
}

const gc = (globalThis as { gc?: () => void }).gc

process.on("message", (message) => {
  if (message !== "memory") return
  gc?.()
  const { rss, heapUsed, heapTotal, external, arrayBuffers } = process.memoryUsage()
  const sample: MemorySample = { rss, heapUsed, heapTotal, external, arrayBuffers }
  process.send?.(sample)
})

let terminating = false
process.once("SIGTERM", () => (terminating = true))
process.once("disconnect", () => {
  if (!terminating) process.kill(process.pid, "SIGTERM")
})
