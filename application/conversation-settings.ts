import { Context, type Duration, type Redacted } from "effect"

/** The settings the use cases read, resolved once by bootstrap from the environment. */
export class ConversationSettings extends Context.Tag("coachup/ConversationSettings")<
  ConversationSettings,
  {
    /** `PERSIST_TRANSCRIPTS_ENABLED`: off means nothing is persisted for anyone. */
    readonly persistTranscriptsEnabled: boolean
    /** Context windows come from the store (with memory fallbacks) when on, else from memory. */
    readonly contextFromStore: boolean
    readonly chatContextLimit: number
    readonly classifierContextLimit: number
    readonly chatSystemPrompt: string
    readonly classifierSystemPrompt: string
    /** A store call that can wait (`StoreCalls`) fails as unavailable after this long. */
    readonly storeTimeout: Duration.Duration
    readonly retentionDays: number
    /** A model that sends no text for this long fails the turn (first token, and between tokens). */
    readonly chatIdleTimeout: Duration.Duration
    /** A turn that has not finished after this long fails. */
    readonly chatTurnTimeout: Duration.Duration
    /** `CLASSIFIER_MIN_CONFIDENCE`: boundaries below it are not acted on. */
    readonly classifierMinConfidence: number
    readonly classifierTimeout: Duration.Duration
    /** An open interaction with no message for this long closes and is assessed. */
    readonly interactionIdleTimeout: Duration.Duration
    /** Salts the hashes of session and group ids in logs. */
    readonly idHashSalt: Redacted.Redacted<string>
  }
>() {}
