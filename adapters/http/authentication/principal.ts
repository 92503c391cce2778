import { Context, Data } from "effect"
import type { UserId } from "../../../domain/ids.ts"

/**
 * Who a request acts for. `userId` is always the user whose data the request reads and writes:
 * ownership rules key on it alone; the tag says who is at the keyboard.
 */
export type Principal = Data.TaggedEnum<{
  /** A person: signed in (oidc), or trusted because the caller is on this machine (local). */
  User: { readonly userId: UserId }
  /** A backend listed in `AUTH_SERVICE_CLIENTS`, acting for the user its `x-user-id` names. */
  ServiceClient: { readonly clientId: string; readonly userId: UserId }
}>
export const Principal = Data.taggedEnum<Principal>()

/** The principal of the request being served, provided by the `Authentication` middleware. */
export class CurrentPrincipal extends Context.Tag("coachup/http/CurrentPrincipal")<
  CurrentPrincipal,
  Principal
>() {}
