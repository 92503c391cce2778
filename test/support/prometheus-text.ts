/** One sample of a Prometheus text exposition. */
export interface Sample {
  readonly name: string
  readonly labels: Readonly<Record<string, string>>
  readonly value: number
}

const SAMPLE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)(?: \d+)?$/
const LABEL = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g

/** The samples of a scrape, comments left out. */
export const parseSamples = (text: string): Array<Sample> =>
  text
    .split("\n")
    .filter((line) => line !== "" && !line.startsWith("#"))
    .map((line) => {
      const match = SAMPLE.exec(line)
      if (match === null) throw new Error(`not a Prometheus sample: ${line}`)
      const labels = Object.fromEntries(Array.from((match[2] ?? "").matchAll(LABEL), (m) => [m[1]!, m[2]!]))
      return { name: match[1]!, labels, value: Number(match[3]) }
    })

/** The samples of `name` whose labels include `labels`. */
export const matching = (samples: ReadonlyArray<Sample>, name: string, labels: Record<string, string> = {}) =>
  samples.filter(
    (sample) =>
      sample.name === name && Object.entries(labels).every(([key, value]) => sample.labels[key] === value)
  )

/** The sum of the samples of `name` whose labels include `labels`; 0 when there are none. */
export const total = (samples: ReadonlyArray<Sample>, name: string, labels: Record<string, string> = {}) =>
  matching(samples, name, labels).reduce((sum, sample) => sum + sample.value, 0)

/** The value of the one sample of `name` whose labels include `labels`; NaN when there is none. */
export const valueOf = (
  samples: ReadonlyArray<Sample>,
  name: string,
  labels: Record<string, string> = {}
) => {
  const found = matching(samples, name, labels)
  if (found.length > 1) throw new Error(`${found.length} samples of ${name} match ${JSON.stringify(labels)}`)
  return found[0]?.value ?? Number.NaN
}
