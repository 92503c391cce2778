import { Option } from "effect"

/** A map of at most `capacity` keys that forgets the least recently used first. */
export class RecentlyUsed<K, V> {
  readonly #capacity: number
  readonly #entries = new Map<K, V>()

  constructor(capacity: number) {
    this.#capacity = capacity
  }

  /** Remembers `value` for `key` as the most recently used; answers it. */
  remember(key: K, value: V): V {
    this.#entries.delete(key)
    this.#entries.set(key, value)
    if (this.#entries.size > this.#capacity) this.#entries.delete(this.#entries.keys().next().value!)
    return value
  }

  /** The value remembered for `key`, which becomes the most recently used. */
  recall(key: K): Option.Option<V> {
    if (!this.#entries.has(key)) return Option.none()
    return Option.some(this.remember(key, this.#entries.get(key)!))
  }

  /** Forgets what is remembered for `key`. */
  forget(key: K): void {
    this.#entries.delete(key)
  }
}
