import { Context, type Duration } from "effect"

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
    /** Every store call fails as unavailable after this long. */
    readonly storeTimeout: Duration.Duration
    readonly retentionDays: number
  }
>() {}
