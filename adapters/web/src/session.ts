const STORAGE_KEY = "coachup.sessionId"

/** The service's identifier rule for session ids. */
const SESSION_ID = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/

/** A fresh id; getRandomValues works on plain http too, where randomUUID does not. */
export const newSessionId = (): string =>
  `s-${Array.from(crypto.getRandomValues(new Uint8Array(12)), (byte) => byte.toString(16).padStart(2, "0")).join("")}`

/**
 * The session to show: `?session=` in the address (a shared or bookmarked link) wins, then the
 * one this browser used last, else a new one. The choice is remembered for the next visit.
 */
export const initialSessionId = (): string => {
  const fromUrl = new URLSearchParams(location.search).get("session")
  const remembered = localStorage.getItem(STORAGE_KEY)
  const chosen =
    fromUrl !== null && SESSION_ID.test(fromUrl)
      ? fromUrl
      : remembered !== null && SESSION_ID.test(remembered)
        ? remembered
        : newSessionId()
  rememberSessionId(chosen)
  return chosen
}

export const rememberSessionId = (sessionId: string): void => localStorage.setItem(STORAGE_KEY, sessionId)
