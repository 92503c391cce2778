import { Context, type Option, type Stream } from "effect"
import type { StoreUnavailable } from "../../domain/errors.ts"
import type { MessageId, SessionId } from "../../domain/ids.ts"
import type { StoredReply } from "./transcript-store.ts"

/** Watches a reply in the store, for a process that follows a reply another process writes. */
export class StoredReplyWatch extends Context.Tag("coachup/StoredReplyWatch")<
  StoredReplyWatch,
  {
    /** The reply as stored (none once deleted), now and again as it changes, until the stream is dropped. */
    readonly watch: (
      sessionId: SessionId,
      messageId: MessageId
    ) => Stream.Stream<Option.Option<StoredReply>, StoreUnavailable>
  }
>() {}
