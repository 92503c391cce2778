import type { ServiceProcess } from "./service-process.ts"

/** Reads the service's RSS every `everyMs` until stopped; answers the highest reading. */
export const sampleRss = (service: ServiceProcess, everyMs = 100) => {
  let peak = service.rssBytes()
  const timer = setInterval(() => {
    try {
      peak = Math.max(peak, service.rssBytes())
    } catch {
      // The process is gone: the peak stays what it was.
    }
  }, everyMs)
  return {
    stop: () => {
      clearInterval(timer)
      return peak
    }
  }
}
