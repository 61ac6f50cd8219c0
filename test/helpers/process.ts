import { spawn, type ChildProcess } from 'node:child_process'

const ROOT = new URL('../..', import.meta.url).pathname

/** A TypeScript script (through tsx) as a process of its own, from the repository's root, with `env` added; `output()` is its stdout and stderr so far. */
export function spawnScript (script: string, env: NodeJS.ProcessEnv = {}): ChildProcess & { output: () => string } {
  const child = spawn(process.execPath, ['--import', 'tsx', script], { cwd: ROOT, env: { ...process.env, ...env } })
  let output = ''
  child.stdout!.on('data', chunk => { output += String(chunk) })
  child.stderr!.on('data', chunk => { output += String(chunk) })
  return Object.assign(child, { output: () => output })
}
