import { Config, Effect, Layer } from "effect"
import { DEFAULT_ENCODING, type EncodingName, modelToEncodingMap } from "gpt-tokenizer/mapping"
import { type Tokenizer, Tokenizers } from "../../application/ports/tokenizer.ts"
import * as OpenAiChatModel from "./openai/chat-model.ts"
import * as OpenAiClassifier from "./openai/boundary-classifier.ts"

/** Each encoding loads only when a configured model needs it: each is tens of megabytes of ranks. */
const encodings: Record<
  EncodingName,
  () => Promise<Pick<typeof import("gpt-tokenizer"), "encode" | "decode">>
> = {
  gpt2: () => import("gpt-tokenizer/encoding/gpt2"),
  r50k_base: () => import("gpt-tokenizer/encoding/r50k_base"),
  p50k_base: () => import("gpt-tokenizer/encoding/p50k_base"),
  p50k_edit: () => import("gpt-tokenizer/encoding/p50k_edit"),
  cl100k_base: () => import("gpt-tokenizer/encoding/cl100k_base"),
  o200k_base: () => import("gpt-tokenizer/encoding/o200k_base"),
  o200k_harmony: () => import("gpt-tokenizer/encoding/o200k_harmony")
}

/**
 * The encoding of a model by its name; a name the tokenizer does not know (a local model, the offline
 * coach) counts with `o200k_base`, the encoding of OpenAI's current models.
 */
export const encodingFor = (model: string): EncodingName =>
  (modelToEncodingMap as Record<string, EncodingName | undefined>)[model] ?? DEFAULT_ENCODING

/** Texts whose count is remembered, per tokenizer: about 64 bytes each. */
const COUNTS_REMEMBERED = 50_000

const make = (encoding: EncodingName) =>
  Effect.map(
    Effect.promise(() => encodings[encoding]()),
    ({ encode, decode }): Tokenizer => {
      const counts = new Map<string, number>()
      return {
        encoding,
        count: (text, cacheKey) => {
          if (cacheKey === undefined) return encode(text).length
          const known = counts.get(cacheKey)
          if (known !== undefined) return known
          const counted = encode(text).length
          // The oldest entry goes first: Maps keep insertion order.
          if (counts.size >= COUNTS_REMEMBERED) counts.delete(counts.keys().next().value!)
          counts.set(cacheKey, counted)
          return counted
        },
        truncate: (text, maxTokens) => decode(encode(text).slice(0, Math.max(0, maxTokens)))
      }
    }
  )

/** The tokenizers of the chat and classifier models, loading an encoding shared by both once. */
export const layer = (models: { readonly chat: string; readonly classifier: string }) =>
  Layer.effect(
    Tokenizers,
    Effect.gen(function* () {
      const chat = yield* make(encodingFor(models.chat))
      const classifier =
        encodingFor(models.classifier) === chat.encoding ? chat : yield* make(encodingFor(models.classifier))
      return Tokenizers.of({ chat, classifier })
    })
  )

/** What `layerConfig` reads: the model names, `CHAT_MODEL` and `CLASSIFIER_MODEL`. */
export const config = Config.all({
  chat: Config.map(OpenAiChatModel.config, ({ model }) => model),
  classifier: Config.map(OpenAiClassifier.config, ({ model }) => model)
})

/** Tokenizers for `CHAT_MODEL` and `CLASSIFIER_MODEL`. */
export const layerConfig = Layer.unwrapEffect(Effect.map(config, layer))
