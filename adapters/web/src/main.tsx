import { StrictMode } from "react"
import { createRoot } from "react-dom/client"
// The base styles first: each page's own styles come after them and may refine them.
import "./styles.css"
import { SignInGate } from "./sign-in/sign-in-gate.tsx"

createRoot(document.getElementById("root")!).render(
  <StrictMode>
    <SignInGate />
  </StrictMode>
)
