import { ConfigProvider, Layer, Logger, LogLevel } from "effect"
import { application, type StoreLayer } from "../../bootstrap/layers.ts"
import * as Scripted from "./scripted-chat-model.ts"

/**
 * The application on `stores`, without its sweeps, its chat model scripted (`ScriptedChatModel`),
 * configured from `env` alone and silent: for use-case tests on the test clock.
 */
export const scriptedApplication = <E>(stores: StoreLayer<E>, env: Record<string, string>) =>
  Layer.mergeAll(application(stores, { sweeps: false }), Scripted.layer).pipe(
    Layer.provide(Layer.setConfigProvider(ConfigProvider.fromMap(new Map(Object.entries(env))))),
    Layer.provide(Logger.minimumLogLevel(LogLevel.None))
  )
