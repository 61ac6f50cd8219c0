/** The program an algorithm runs under and its arguments; `$ALGO` stands for the algorithm file. */
export interface Entrypoint {
  runtime: string
  args: string[]
}

const DEFAULT_ENTRYPOINT = 'node $ALGO'
/** The word of an entrypoint that stands for the algorithm file. */
export const ALGO = '$ALGO'

/**
 * Reads a container entrypoint (`node $ALGO`, `python3 -u $ALGO`): words split on
 * white space, no shell and no quoting. Without `$ALGO` the algorithm file is the
 * last argument; an empty or missing entrypoint is `node $ALGO`.
 */
export function splitEntrypoint (entrypoint: string | undefined): Entrypoint {
  const words = entrypoint?.trim() ?? ''
  const [runtime = '', ...args] = (words === '' ? DEFAULT_ENTRYPOINT : words).split(/\s+/)
  if (!args.some(arg => arg.includes(ALGO))) args.push(ALGO)
  return { runtime, args }
}

/** The arguments with the algorithm file for `$ALGO`. */
export function argsWith ({ args }: Entrypoint, algorithm: string): string[] {
  return args.map(arg => arg.replaceAll(ALGO, algorithm))
}
