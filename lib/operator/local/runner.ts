import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { algorithmEnv } from './env.js'
import type { AlgorithmRunner, PreparedJob, RunOutcome } from '../engine/runner.js'
import { commandLine, parseEntrypoint } from './command.js'
import { runProcess } from './process.js'

/** Runs each algorithm as a child process of the server, in its job folder. */
export class ProcessRunner implements AlgorithmRunner {
  constructor (private readonly runtimes: ReadonlySet<string>) {}

  entrypoint (entrypoint: string | undefined): ReturnType<typeof parseEntrypoint> {
    return parseEntrypoint(entrypoint, this.runtimes)
  }

  async provision ({ layout, container, note }: PreparedJob): Promise<undefined> {
    // A package without "type" ends Node's search for one here: the extensionless
    // algorithm then runs as CommonJS or as an ES module by its syntax, whatever a
    // package.json above dataDir says (under "type": "commonjs" an ES module would
    // silently do nothing).
    await writeFile(join(layout.dir, 'package.json'), '{}\n')
    if (container.image !== undefined) {
      const image = [container.image, container.tag].filter(Boolean).join(':')
      await note(`container image ${image} ignored: this engine runs the entrypoint as a local process`)
    }
  }

  async run ({ entrypoint, layout, inputDID, algoDID, maxLogBytes }: PreparedJob, signal: AbortSignal): Promise<RunOutcome> {
    try {
      const outcome = await runProcess({
        ...commandLine(entrypoint, layout.algorithm, layout.dir),
        cwd: layout.dir,
        env: algorithmEnv(layout, inputDID, algoDID),
        log: layout.log,
        maxLogBytes,
        signal
      })
      const summary = outcome.signal === null ? `the algorithm exited with code ${String(outcome.exitCode)}` : `the algorithm was killed (${outcome.signal})`
      return { exitCode: outcome.exitCode, summary }
    } catch (err) {
      return { failed: `The runtime ${entrypoint.runtime} could not be started: ${String((err as { code?: unknown }).code)}.` }
    }
  }
}
