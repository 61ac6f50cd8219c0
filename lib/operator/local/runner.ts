import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { algorithmEnv } from './env.js'
import { RunFailure, type AlgorithmRunner, type PreparedJob, type RunOutcome } from '../engine/runner.js'
import { commandLine, parseEntrypoint } from './command.js'
import { runProcess } from './process.js'

/** Runs each algorithm as a child process of the server, in its job folder. */
export class ProcessRunner implements AlgorithmRunner {
  constructor (private readonly runtimes: ReadonlySet<string>) {}

  entrypoint (entrypoint: string | undefined): ReturnType<typeof parseEntrypoint> {
    return parseEntrypoint(entrypoint, this.runtimes)
  }

  async provision ({ layout, container, note }: PreparedJob): Promise<void> {
    // A package without "type" ends Node's search for one here: the extensionless
    // algorithm then runs as CommonJS or as an ES module by its syntax, whatever a
    // package.json above dataDir says (under "type": "commonjs" an ES module would
    // silently do nothing).
    await writeFile(join(layout.work, 'package.json'), '{}\n')
    if (container.image !== undefined) {
      const image = [container.image, container.tag].filter(Boolean).join(':')
      await note(`container image ${image} ignored: this engine runs the entrypoint as a local process`)
    }
  }

  async run ({ entrypoint, layout, inputDID, algoDID, log }: PreparedJob, signal: AbortSignal): Promise<RunOutcome> {
    try {
      const outcome = await runProcess({
        // The algorithm may read and write its work folder only: the engine's journal is beside it.
        ...commandLine(entrypoint, layout.algorithm, layout.work),
        cwd: layout.work,
        env: algorithmEnv(layout, inputDID, algoDID),
        output: chunk => log.write(chunk),
        signal
      })
      const summary = outcome.signal === null ? `the algorithm exited with code ${String(outcome.exitCode)}` : `the algorithm was killed (${outcome.signal})`
      return { exitCode: outcome.exitCode, summary }
    } catch (err) {
      throw new RunFailure(`The runtime ${entrypoint.runtime} could not be started: ${String((err as { code?: unknown }).code)}.`)
    }
  }
}
