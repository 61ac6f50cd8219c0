import { execFileSync, spawn, type ChildProcess } from 'node:child_process'
import { once } from 'node:events'
import { createRequire } from 'node:module'
import { availableParallelism } from 'node:os'
import { fileURLToPath } from 'node:url'
import type { Role } from './scenario.js'

/** What a server process has used: resident memory now (bytes), CPU time so far (µs). */
export interface Usage { rss: number, cpu: number }

/** One server of a scenario in a child process of its own. */
export interface Side {
  port: number
  usage (): Promise<Usage>
  /** The process's cost of one process.nextTick, in ns (bench/server.ts). */
  tickCost (): Promise<number>
  stop (): Promise<void>
}

// The child's next message that carries `key`; fails if the child dies first.
async function reply<T> (child: ChildProcess, key: string): Promise<T> {
  return await new Promise<T>((resolve, reject) => {
    const onMessage = (message: Record<string, T>) => {
      if (!(key in message)) return
      done()
      resolve(message[key]!)
    }
    const onExit = (code: number | null) => {
      done()
      reject(new Error(`the bench server exited with ${String(code)} before it sent ${key}`))
    }
    const done = () => {
      child.off('message', onMessage)
      child.off('exit', onExit)
    }
    child.on('message', onMessage)
    child.on('exit', onExit)
  })
}

const tsconfig = new URL('./tsconfig.json', import.meta.url)
const server = new URL('../dist/bench/bench/server.js', import.meta.url)

/**
 * Compiles the servers with tsc (without type checks: `npm run typecheck` does
 * those) to dist/bench, so that they run as a host runs the plugin. Takes ~2 s.
 */
export function compileServers (): void {
  const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc')
  execFileSync(process.execPath, [tsc, '-p', fileURLToPath(tsconfig)], { stdio: 'inherit' })
}

/** Which cores the load generator (this process) and the servers run on, when they are pinned. */
export interface Cores { load: string, servers: string, all: string }

/**
 * Pins this process (the load generator) to the first core and leaves the second to the
 * servers, on Linux with taskset and two cores or more: the load generator then never
 * takes the servers' core from under them. Answers undefined (nothing pinned) elsewhere.
 */
export function pinLoadGenerator (): Cores | undefined {
  if (process.platform !== 'linux' || availableParallelism() < 2) return undefined
  const cores = { load: '0', servers: '1', all: `0-${availableParallelism() - 1}` }
  try {
    execFileSync('taskset', ['-a', '-cp', cores.load, String(process.pid)], { stdio: 'ignore' })
  } catch {
    return undefined
  }
  return cores
}

/** Lets this process (and what it starts next) run on every core again. */
export function unpin (cores: Cores): void {
  execFileSync('taskset', ['-a', '-cp', cores.all, String(process.pid)], { stdio: 'ignore' })
}

interface SideOptions {
  /** The stand-in's URL, for the servers that call it. */
  upstream?: string
  /** Node flags (`--cpu-prof`). */
  execArgv?: string[]
  /** The cores the server may run on (a taskset list); anywhere when undefined. */
  cpus?: string
}

/** Starts the compiled `bench/server.ts` in one role. */
export async function startSide (scenario: string, role: Role, { upstream, execArgv = [], cpus }: SideOptions = {}): Promise<Side> {
  const argv = [...execArgv, fileURLToPath(server), scenario, role, ...(upstream === undefined ? [] : [upstream])]
  // taskset execs node with the same environment, so the IPC channel passes through it.
  const [command, args] = cpus === undefined ? [process.execPath, argv] : ['taskset', ['-c', cpus, process.execPath, ...argv]]
  const child = spawn(command, args, { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] })
  const port = await reply<number>(child, 'port')
  return {
    port,
    async usage () {
      child.send('usage')
      return await reply<Usage>(child, 'usage')
    },
    async tickCost () {
      child.send('tick')
      return await reply<number>(child, 'tick')
    },
    async stop () {
      const exited = once(child, 'exit')
      child.disconnect()
      await exited
    }
  }
}
