import { allowList, resolveEngineOptions, type EngineOptions, type ResolvedEngineOptions } from '../engine/options.js'

export interface LocalOperatorOptions extends EngineOptions {
  /** Programs an algorithm's entrypoint may start. Default: ['node', 'python3']. */
  runtimes?: string[]
}

export interface ResolvedLocalOptions extends ResolvedEngineOptions {
  runtimes: ReadonlySet<string>
}

const NAME = 'localOperator'

/** Applies defaults and checks every option once, when the engine is made. */
export function resolveLocalOptions (options: LocalOperatorOptions): ResolvedLocalOptions {
  const engine = resolveEngineOptions(NAME, options)
  return { ...engine, runtimes: new Set(allowList(NAME, 'runtimes', options.runtimes ?? ['node', 'python3'], 'program names')) }
}
