import { spawn } from 'node:child_process'
import { once } from 'node:events'

export interface RunSpec {
  file: string
  args: string[]
  cwd: string
  env: NodeJS.ProcessEnv
  /** Takes stdout and stderr as they come. */
  output: (chunk: Buffer) => unknown
  /** Kills the process and everything it started. */
  signal: AbortSignal
}

/** How the process ended: its exit code, or the signal that killed it. */
export interface RunOutcome {
  exitCode: number | null
  signal: NodeJS.Signals | null
}

/**
 * Runs one algorithm process. It leads a process group of its own (detached), so
 * that a kill reaches whatever it started; the group is killed when the process
 * exits too, so nothing it left behind outlives the job. Rejects when the program
 * cannot be started. POSIX only: Windows has no process groups to kill.
 */
export async function runProcess (spec: RunSpec): Promise<RunOutcome> {
  const child = spawn(spec.file, spec.args, { cwd: spec.cwd, env: spec.env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] })
  await once(child, 'spawn') // rejects with the error when the program cannot be started
  // Exit needs a turn of the event loop: nothing is missed by listening only now.
  const exited = once(child, 'exit')
  const closed = once(child, 'close')
  const killTree = () => {
    try { process.kill(-child.pid!, 'SIGKILL') } catch { /* already gone */ }
  }
  spec.signal.addEventListener('abort', killTree)
  if (spec.signal.aborted) killTree()

  child.stdout.on('data', spec.output)
  child.stderr.on('data', spec.output)
  try {
    await exited
    killTree()
    const [exitCode, signal] = await closed as [number | null, NodeJS.Signals | null]
    return { exitCode, signal }
  } finally {
    spec.signal.removeEventListener('abort', killTree)
  }
}
