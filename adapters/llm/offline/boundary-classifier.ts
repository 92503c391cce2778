import { Effect, Layer } from "effect"
import { BoundaryClassifier, type ClassifierRequest } from "../../../application/ports/boundary-classifier.ts"
import type { Classification } from "../../../domain/boundary.ts"

/**
 * The offline classifier: transparent keyword rules, no model. It is the baseline the LLM
 * classifier is measured against (`npm run eval`), and it is honest about being one: plain
 * patterns, a fixed confidence per rule.
 */
const RULES: ReadonlyArray<{
  readonly decision: Classification["decision"]
  readonly confidence: number
  readonly pattern: RegExp
}> = [
  // Closing a practice: explicit stop / wrap-up phrases.
  {
    decision: "end",
    confidence: 0.85,
    pattern:
      /\b(let'?s (stop|end|wrap( it)? up|finish)|(stop|end|finish|pause) (the|this|our) (role[- ]?play|practi[cs]e|exercise|scenario|simulation)|that'?s (all|enough|it) for (now|today)|i'?m done( practi[cs]ing)?|we'?re done|end (of )?(the )?(role[- ]?play|scenario)|how did i do|(i think )?i'?ve got it( now)?|thanks for playing along)\b/i
  },
  // Opening a practice: role play, rehearsal, "you be my ...".
  {
    decision: "start",
    confidence: 0.85,
    pattern:
      /\b(role[- ]?play|let'?s (practi[cs]e|rehearse|run through|simulate|try it)|can we (practi[cs]e|rehearse|simulate|run through)|(pretend|act) (to be|as|you'?re)|you('?ll| will)? (be|play) (my|the|a)|play the (role|part) of|i want to practi[cs]e|help me practi[cs]e|(could|can|would) you be (him|her|them|my|the)|try (out )?what i'?ll say)\b/i
  },
  // One self-contained request to judge something the user wrote or will say.
  {
    decision: "one_off",
    confidence: 0.8,
    pattern:
      /\b(feedback on|how does (this|that) sound|how do i sound|(is|does) (this|that) (sound|come across|read)|rate (this|my)|review (this|my)|what do you think (of|about) (this|my)|critique|would (this|that) work|is "[^"]+" (too|ok|okay|fine|appropriate|clear))\b/i
  },
  // Greetings, thanks and small talk.
  {
    decision: "ignore",
    confidence: 0.8,
    pattern:
      /^\s*(hi|hello|hey|yo|thanks|thank you|thx|ok(ay)?|cool|great|nice|good (morning|afternoon|evening)|how are you|what'?s up|lol|haha)\b[\s!.?,]*(there|coach|again|so much)?[\s!.?]*$/i
  }
]

export const classifyByRules = (request: ClassifierRequest): Classification => {
  const latest = request.messages.at(-1)
  if (latest === undefined) return { decision: "ignore", confidence: 0.5 }
  const rule = RULES.find(({ pattern }) => pattern.test(latest.text))
  const underway = request.interactionOpen
  if (rule !== undefined) {
    // Small talk inside a practice is part of the role play more often than not.
    if (rule.decision === "ignore" && underway) return { decision: "continue", confidence: 0.55 }
    // Asking to start while one is underway is a restart; closing with none open is chatter.
    if (rule.decision === "end" && !underway) return { decision: "ignore", confidence: 0.6 }
    return { decision: rule.decision, confidence: rule.confidence }
  }
  return underway ? { decision: "continue", confidence: 0.7 } : { decision: "ignore", confidence: 0.6 }
}

export const make = BoundaryClassifier.of({
  name: "offline-rules",
  classify: (request) => Effect.succeed(classifyByRules(request))
})

export const layer = Layer.succeed(BoundaryClassifier, make)
