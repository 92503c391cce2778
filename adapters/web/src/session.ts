/** Where this browser remembers the session last used: per signed-in user, so no one resumes another's. */
const storageKey = (subject: string | null) =>
  subject === null ? "coachup.sessionId" : `coachup.sessionId.${subject}`

/** The service's identifier rule for session ids. */
const SESSION_ID = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/

/** A fresh id; getRandomValues works on plain http too, where randomUUID does not. */
export const newSessionId = (): string =>
  `s-${Array.from(crypto.getRandomValues(new Uint8Array(12)), (byte) => byte.toString(16).padStart(2, "0")).join("")}`

/**
 * The session to show: `?session=` in the address (a shared or bookmarked link) wins, then the
 * one this browser used last (for this user, when one is signed in), else a new one. The choice is
 * remembered for the next visit.
 */
export const initialSessionId = (subject: string | null): string => {
  const fromUrl = new URLSearchParams(location.search).get("session")
  const remembered = localStorage.getItem(storageKey(subject))
  const chosen =
    fromUrl !== null && SESSION_ID.test(fromUrl)
      ? fromUrl
      : remembered !== null && SESSION_ID.test(remembered)
        ? remembered
        : newSessionId()
  rememberSessionId(subject, chosen)
  return chosen
}

export const rememberSessionId = (subject: string | null, sessionId: string): void =>
  localStorage.setItem(storageKey(subject), sessionId)
