/**
 * Effect's own work per request, counted rather than timed: a supervisor sees every operation the
 * runtime evaluates (`OpSupervision`) and every fiber it starts, so the counts come out the same on a
 * busy machine as on a quiet one. A profile says where the CPU time goes; this says how much Effect
 * machinery a request runs, in the service and in the minimal `HttpApi` server beside it.
 */
import { Effect, Layer, RuntimeFlags, Supervisor } from "effect"

/** Operations evaluated and fibers started. */
export interface EffectWork {
  readonly operations: number
  readonly fibers: number
}

class CountingSupervisor extends Supervisor.AbstractSupervisor<EffectWork> {
  operations = 0
  fibers = 0
  override get value() {
    return Effect.sync((): EffectWork => this.read())
  }
  read(): EffectWork {
    return { operations: this.operations, fibers: this.fibers }
  }
  override onStart() {
    this.fibers++
  }
  override onEffect() {
    this.operations++
  }
}

/** A counter, and the layer that makes every fiber built under it report to it. */
export const effectWorkCounter = () => {
  const supervisor = new CountingSupervisor()
  return {
    layer: Layer.merge(Supervisor.addSupervisor(supervisor), RuntimeFlags.enableOpSupervision),
    /** What ran since `start` was taken, per request. */
    perRequest: (start: EffectWork, requests: number): EffectWork => {
      const now = supervisor.read()
      return {
        operations: (now.operations - start.operations) / requests,
        fibers: (now.fibers - start.fibers) / requests
      }
    },
    read: () => supervisor.read()
  }
}
