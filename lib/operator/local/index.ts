import { Engine } from '../engine/engine.js'
import { resolveLocalOptions, type LocalOperatorOptions } from './options.js'
import { ProcessRunner } from './runner.js'

/**
 * The embedded engine: runs each job's algorithm as a local child process in a
 * job folder under `dataDir`, keeps job records there across restarts, and serves
 * the results. See docs/local-operator.md.
 */
export class LocalOperator extends Engine {
  constructor (options: LocalOperatorOptions) {
    const resolved = resolveLocalOptions(options)
    super('local compute engine', resolved, new ProcessRunner(resolved.runtimes))
  }
}

/** The embedded compute engine: jobs as local processes, records and results under `dataDir`. */
export function localOperator (options: LocalOperatorOptions): LocalOperator {
  return new LocalOperator(options)
}
