import { availableParallelism, totalmem } from 'node:os'
import type { ComputeEnvironment } from '../../../schemas/modern/environment.js'
import { Engine } from '../engine/engine.js'
import { engineEnvironment } from '../engine/environment.js'
import { resolveLocalOptions, type LocalOperatorOptions } from './options.js'
import { ProcessRunner } from './runner.js'

/**
 * The embedded engine: runs each job's algorithm as a local child process in a
 * job folder under `dataDir`, keeps job records there across restarts, and serves
 * the results. See docs/local-operator.md.
 */
export class LocalOperator extends Engine {
  readonly #environment: ComputeEnvironment

  constructor (options: LocalOperatorOptions) {
    const resolved = resolveLocalOptions(options)
    super('local compute engine', resolved, new ProcessRunner(resolved.runtimes))
    // A process is not confined: a job may use what the machine has.
    const cpus = availableParallelism()
    const ram = totalmem()
    this.#environment = engineEnvironment('local', 'Jobs as local processes', resolved, { cpus, ramBytes: ram, totalCpus: cpus, totalRamBytes: ram })
  }

  /** The environment it offers the current wire (oceanNodeCompute). */
  environments (): ComputeEnvironment[] {
    return [this.#environment]
  }
}

/** The embedded compute engine: jobs as local processes, records and results under `dataDir`. */
export function localOperator (options: LocalOperatorOptions): LocalOperator {
  return new LocalOperator(options)
}
