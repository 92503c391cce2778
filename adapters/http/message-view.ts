import type { TranscriptItem } from "../../domain/transcript.ts"

/** A stored item as the API shows it (the content hash stays inside). */
export const toMessageView = ({ contentHash: _, ...view }: TranscriptItem) => view
