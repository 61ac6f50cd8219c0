import { invalidOption, resolveEngineOptions, stringsOf, type EngineOptions, type ResolvedEngineOptions } from '../engine/options.js'

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
  const runtimes = options.runtimes ?? ['node', 'python3']
  if (!Array.isArray(runtimes)) throw invalidOption(NAME, 'runtimes must be a list of program names')
  return { ...engine, runtimes: new Set(stringsOf(NAME, 'runtimes', runtimes)) }
}
