/* eslint-disable */
/**
 * Generated `api` utility.
 *
 * THIS CODE IS AUTOMATICALLY GENERATED.
 *
 * To regenerate, run `npx convex dev`.
 * @module
 */

import type {
  ApiFromModules,
  FilterApi,
  FunctionReference,
} from "convex/server";
import type * as access from "../access.js";
import type * as assessments from "../assessments.js";
import type * as documents from "../documents.js";
import type * as interactions from "../interactions.js";
import type * as owners from "../owners.js";
import type * as privacy from "../privacy.js";
import type * as rateLimits from "../rateLimits.js";
import type * as tombstones from "../tombstones.js";
import type * as transcripts from "../transcripts.js";

/**
 * A utility for referencing Convex functions in your app's API.
 *
 * Usage:
 * ```js
 * const myFunctionReference = api.myModule.myFunction;
 * ```
 */
declare const fullApi: ApiFromModules<{
  access: typeof access;
  assessments: typeof assessments;
  documents: typeof documents;
  interactions: typeof interactions;
  owners: typeof owners;
  privacy: typeof privacy;
  rateLimits: typeof rateLimits;
  tombstones: typeof tombstones;
  transcripts: typeof transcripts;
}>;
export declare const api: FilterApi<
  typeof fullApi,
  FunctionReference<any, "public">
>;
export declare const internal: FilterApi<
  typeof fullApi,
  FunctionReference<any, "internal">
>;
