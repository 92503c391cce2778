import { Context } from "effect"

/** Counts and cuts text in one model's tokens. */
export interface Tokenizer {
  /** The encoding's name (`o200k_base`, `cl100k_base`, ...), for logs and the decision trail. */
  readonly encoding: string
  /**
   * The text's tokens. A `cacheKey` (a message's content hash) lets a text counted once, at its first
   * window, be answered from memory at every later one.
   */
  readonly count: (text: string, cacheKey?: string) => number
  /** The text's first `maxTokens` tokens, as text. */
  readonly truncate: (text: string, maxTokens: number) => string
}

/** The tokenizer of each model a window is built for: chosen by the model's name. */
export class Tokenizers extends Context.Tag("coachup/Tokenizers")<
  Tokenizers,
  { readonly chat: Tokenizer; readonly classifier: Tokenizer }
>() {}
