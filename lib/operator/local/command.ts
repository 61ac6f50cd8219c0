import { RuntimeNotAllowedError } from '../../errors.js'

/** The program an algorithm runs under and its arguments; `$ALGO` stands for the algorithm file. */
export interface Entrypoint {
  runtime: string
  args: string[]
}

const DEFAULT_ENTRYPOINT = 'node $ALGO'
const ALGO = '$ALGO'

/**
 * Reads a container entrypoint (`node $ALGO`, `python3 -u $ALGO`): words split on
 * white space, no shell and no quoting. The program must be on the allow-list;
 * a `node` entrypoint may not pass options to Node (they could lift its
 * permissions). Without `$ALGO` the algorithm file is the last argument; an
 * empty or missing entrypoint is `node $ALGO`.
 */
export function parseEntrypoint (entrypoint: string | undefined, runtimes: ReadonlySet<string>): Entrypoint {
  const words = entrypoint?.trim() ?? ''
  const [runtime = '', ...args] = (words === '' ? DEFAULT_ENTRYPOINT : words).split(/\s+/)
  if (!runtimes.has(runtime)) {
    throw new RuntimeNotAllowedError(`The entrypoint runs "${runtime}", which is not an allowed runtime (allowed: ${[...runtimes].join(', ')}).`)
  }
  if (!args.some(arg => arg.includes(ALGO))) args.push(ALGO)
  const script = args.findIndex(arg => arg.includes(ALGO))
  if (runtime === 'node' && script > 0) {
    throw new RuntimeNotAllowedError('The entrypoint may not pass options to node: the provider sets its permissions.')
  }
  return { runtime, args }
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
export function commandLine ({ runtime, args }: Entrypoint, algorithm: string, jobDir: string): { file: string, args: string[] } {
  const argv = args.map(arg => arg.replaceAll(ALGO, algorithm))
  if (runtime !== 'node') return { file: runtime, args: argv }
  return {
    file: 'env',
    args: ['-u', 'NODE_OPTIONS', process.execPath, PERMISSION, `--allow-fs-read=${jobDir}`, `--allow-fs-write=${jobDir}`, ...argv]
  }
}
