import { jobVariables, type JobLayout } from '../engine/layout.js'

// Of the server's environment, only what runtimes need to start: never its secrets.
const INHERITED = ['PATH', 'HOME', 'LANG', 'LC_ALL', 'TZ', 'SYSTEMROOT'] as const

/**
 * A local algorithm's environment: the job's variables, with its folders as
 * absolute paths, since they are not at `/data` as in a container.
 */
export function algorithmEnv (layout: JobLayout, inputDID: readonly string[], algorithmDid: string): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {}
  for (const name of INHERITED) if (process.env[name] !== undefined) env[name] = process.env[name]
  return { ...env, ...jobVariables(layout, inputDID, algorithmDid) }
}
