import { Effect, Exit, Option } from "effect"
import { RecentlyUsed } from "./recently-used.ts"

/** No other process has written since the mark `then` was taken, by the mark `now`; untold marks never match. */
const unchangedSince = (then: Option.Option<number>, now: Option.Option<number>) =>
  Option.isSome(then) && Option.isSome(now) && then.value === now.value

interface Entry<V> {
  readonly value: V
  /** The store's mark of other processes' changes when the value was learnt. */
  readonly mark: Option.Option<number>
}

/**
 * What this process learnt of a store, per key (at most `capacity`, least recently used first out),
 * each answer with the store's mark of other processes' changes when it was learnt (`StoreChanges`).
 *
 * This process's own reads and writes race too: a read that began before a write may end after it,
 * with the value from before. So every write through here forgets its key while it runs, and counts
 * (as it begins and as it ends); a read's answer is learnt only if no write began or ended while it
 * was read. A write that did not succeed (failed, timed out, interrupted) leaves its key forgotten: the
 * store may or may not have taken it.
 */
export class RememberedAnswers<K, V> {
  readonly #entries: RecentlyUsed<K, Entry<V>>
  readonly #byOthers: () => Option.Option<number>
  #writes = 0

  constructor(capacity: number, byOthers: () => Option.Option<number>) {
    this.#entries = new RecentlyUsed(capacity)
    this.#byOthers = byOthers
  }

  /** The answer learnt for `key`, while no other process has written to the store since. */
  current(key: K): Option.Option<V> {
    return this.#currentAt(key, this.#byOthers())
  }

  /**
   * `current` for each of `keys` (by name), all of them or none, the store asked for its mark once:
   * the answers of one decision are held to the same moment, and asking costs a read of the store.
   */
  currentAll<N extends string>(keys: Readonly<Record<N, K>>): Option.Option<Record<N, V>> {
    const mark = this.#byOthers()
    const values = {} as Record<N, V>
    for (const name in keys) {
      const value = this.#currentAt(keys[name], mark)
      if (Option.isNone(value)) return Option.none()
      values[name] = value.value
    }
    return Option.some(values)
  }

  #currentAt(key: K, mark: Option.Option<number>): Option.Option<V> {
    const entry = this.#entries.recall(key)
    return Option.isSome(entry) && unchangedSince(entry.value.mark, mark)
      ? Option.some(entry.value.value)
      : Option.none()
  }

  /** The answer learnt for `key`, however long ago: what a store that cannot answer leaves to go on. */
  last(key: K): Option.Option<V> {
    return Option.map(this.#entries.recall(key), (entry) => entry.value)
  }

  /** The answer learnt for `key` while it holds (`current`), else `read`'s, learnt for `key`. */
  answer<E, R>(key: K, read: Effect.Effect<V, E, R>): Effect.Effect<V, E, R> {
    return Effect.suspend(() =>
      Option.match(this.current(key), {
        onSome: Effect.succeed,
        onNone: () => this.read(read, (value, remember) => remember(key, value))
      })
    )
  }

  /** Runs a read of the store; `learn` files its answer, unless a write ran meanwhile. */
  read<A, E, R>(
    read: Effect.Effect<A, E, R>,
    learn: (answer: A, remember: (key: K, value: V) => void) => void
  ): Effect.Effect<A, E, R> {
    return Effect.suspend(() => {
      const mark = this.#byOthers()
      const writes = this.#writes
      return Effect.tap(read, (answer) => {
        if (this.#writes === writes)
          learn(answer, (key, value) => void this.#entries.remember(key, { value, mark }))
      })
    })
  }

  /**
   * Runs a write of `key`'s value: forgotten while it runs; once it succeeded, `after` says what the
   * store now holds for it (none: nothing, as after a deletion).
   */
  write<A, E, R>(
    key: K,
    write: Effect.Effect<A, E, R>,
    after: (result: A) => Option.Option<V>
  ): Effect.Effect<A, E, R> {
    return Effect.suspend(() => {
      const mark = this.#byOthers()
      this.#writes++
      this.#entries.forget(key)
      return Effect.onExit(write, (exit) =>
        Effect.sync(() => {
          this.#writes++
          const value = Exit.isSuccess(exit) ? after(exit.value) : Option.none()
          if (Option.isSome(value)) this.#entries.remember(key, { value: value.value, mark })
          else this.#entries.forget(key)
        })
      )
    })
  }
}
