/** A seeded source of pseudo-random numbers: the same seed gives the same run. */
export interface Random {
  /** A number in [0, 1). */
  readonly next: () => number
  /** An integer in [min, max]. */
  readonly int: (min: number, max: number) => number
  readonly pick: <A>(items: ReadonlyArray<A>) => A
  readonly chance: (probability: number) => boolean
  /** An independent source for `label`, so one scenario's draws do not shift another's. */
  readonly fork: (label: string) => Random
}

const hash = (seed: number, label: string) => {
  let value = seed ^ 0x9e3779b9
  for (let index = 0; index < label.length; index++) {
    value = Math.imul(value ^ label.charCodeAt(index), 0x85ebca6b)
    value ^= value >>> 13
  }
  return value >>> 0
}

/** mulberry32: small, fast and good enough to choose test inputs. */
export const seeded = (seed: number): Random => {
  let state = seed >>> 0
  const next = () => {
    state = (state + 0x6d2b79f5) >>> 0
    let value = state
    value = Math.imul(value ^ (value >>> 15), value | 1)
    value ^= value + Math.imul(value ^ (value >>> 7), value | 61)
    return ((value ^ (value >>> 14)) >>> 0) / 4_294_967_296
  }
  const int = (min: number, max: number) => min + Math.floor(next() * (max - min + 1))
  return {
    next,
    int,
    pick: (items) => {
      if (items.length === 0) throw new Error("pick from no items")
      return items[int(0, items.length - 1)]!
    },
    chance: (probability) => next() < probability,
    fork: (label) => seeded(hash(seed, label))
  }
}
