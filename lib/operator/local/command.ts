import { RuntimeNotAllowedError } from '../../errors.js'
import { ALGO, argsWith, splitEntrypoint, type Entrypoint } from '../engine/entrypoint.js'

/**
 * Reads an entrypoint for a local process: its program must be on the allow-list,
 * and the word right after it must be `$ALGO` itself: an option before the script
 * (`--allow-child-process=$ALGO`, `-e`, `-c`) could lift Node's permissions or run
 * other code than the algorithm's. Arguments after the script are the algorithm's.
 */
export function parseEntrypoint (entrypoint: string | undefined, runtimes: ReadonlySet<string>): Entrypoint {
  const parsed = splitEntrypoint(entrypoint)
  const { runtime } = parsed
  if (!runtimes.has(runtime)) {
    throw new RuntimeNotAllowedError(`The entrypoint runs "${runtime}", which is not an allowed runtime (allowed: ${[...runtimes].join(', ')}).`)
  }
  if (parsed.args[0] !== ALGO) {
    throw new RuntimeNotAllowedError(`The entrypoint may not pass options to ${runtime}: $ALGO must come right after it (the provider sets its permissions).`)
  }
  return parsed
}

// Node 20 and 21 call the permission model experimental; later versions take --permission.
const PERMISSION = process.allowedNodeEnvironmentFlags.has('--permission') ? '--permission' : '--experimental-permission'

/**
 * The command that runs an algorithm in `jobDir`. Node runs as this very Node
 * binary under its permission model: files readable and writable only inside
 * `jobDir`, no child processes, workers, addons or WASI. Other runtimes run as
 * they are, unconfined.
 *
 * Node starts through `env -u NODE_OPTIONS`: tools of the host (coverage, APM
 * agents) may hook process spawning and inject NODE_OPTIONS with a loader of
 * theirs, which the permission model would refuse to read, failing every job.
 */
export function commandLine (entrypoint: Entrypoint, algorithm: string, jobDir: string): { file: string, args: string[] } {
  const argv = argsWith(entrypoint, algorithm)
  if (entrypoint.runtime !== 'node') return { file: entrypoint.runtime, args: argv }
  return {
    file: 'env',
    args: ['-u', 'NODE_OPTIONS', process.execPath, PERMISSION, `--allow-fs-read=${jobDir}`, `--allow-fs-write=${jobDir}`, ...argv]
  }
}
