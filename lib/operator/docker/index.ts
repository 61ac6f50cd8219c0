import { availableParallelism, totalmem } from 'node:os'
import type { ComputeEnvironment } from '../../../schemas/modern/environment.js'
import { Engine } from '../engine/engine.js'
import { engineEnvironment } from '../engine/environment.js'
import { resolveDockerOptions, type DockerOperatorOptions } from './options.js'
import { ContainerRunner } from './runner.js'

/**
 * The container engine: runs each job's algorithm in a Docker (or Podman)
 * container of the image it names, isolated from the network and the host, with
 * the same job machine as the local engine. See docs/docker-operator.md.
 */
export class DockerOperator extends Engine {
  readonly #environment: ComputeEnvironment

  constructor (options: DockerOperatorOptions) {
    const resolved = resolveDockerOptions(options)
    const runner = new ContainerRunner(resolved)
    super('container compute engine', resolved, runner)
    runner.check()
    // What each container is given (memoryBytes, cpus), of what the machine has.
    this.#environment = engineEnvironment('container', 'Jobs in containers', resolved,
      { cpus: resolved.cpus, ramBytes: resolved.memoryBytes, totalCpus: availableParallelism(), totalRamBytes: totalmem() })
  }

  /** The environment it offers the current wire (oceanNodeCompute). */
  environments (): ComputeEnvironment[] {
    return [this.#environment]
  }
}

/** The container compute engine: jobs in containers, records and results under `dataDir`. */
export function dockerOperator (options: DockerOperatorOptions): DockerOperator {
  return new DockerOperator(options)
}
