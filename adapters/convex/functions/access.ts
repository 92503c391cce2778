import { ConvexError, v } from "convex/values"

/** Every function takes the server secret; the deployment holds it as CONVEX_SERVER_SECRET. */
export const serverSecret = { secret: v.string() }

const equalInConstantTime = (a: string, b: string) => {
  let difference = a.length ^ b.length
  for (let i = 0; i < Math.max(a.length, b.length); i++)
    difference |= (a.charCodeAt(i) || 0) ^ (b.charCodeAt(i) || 0)
  return difference === 0
}

/**
 * Refuses a caller without the server secret. A deployment with no secret configured refuses
 * everyone: the functions are public endpoints of the deployment, so they fail closed.
 */
export const requireServer = (secret: string) => {
  const expected = process.env["CONVEX_SERVER_SECRET"]
  if (expected === undefined || expected === "" || !equalInConstantTime(secret, expected)) {
    throw new ConvexError({ code: "forbidden", message: "this function is for the Coach Up service only" })
  }
}
