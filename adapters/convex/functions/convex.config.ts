import rateLimiter from "@convex-dev/rate-limiter/convex.config.js"
import { defineApp } from "convex/server"

/** The deployment's app: our functions, and the rate limiter component that keeps request budgets. */
const app = defineApp()
app.use(rateLimiter)

export default app
