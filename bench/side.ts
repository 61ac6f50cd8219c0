import { execFileSync, fork, type ChildProcess } from 'node:child_process'
import { once } from 'node:events'
import { createRequire } from 'node:module'
import { fileURLToPath } from 'node:url'
import type { Role } from './scenario.js'

/** What a server process has used: resident memory now (bytes), CPU time so far (µs). */
export interface Usage { rss: number, cpu: number }

/** One server of a scenario in a child process of its own. */
export interface Side {
  port: number
  usage (): Promise<Usage>
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

/** Starts the compiled `bench/server.ts` in one role; `execArgv` adds Node flags (`--cpu-prof`). */
export async function startSide (scenario: string, role: Role, { upstream, execArgv = [] }: { upstream?: string, execArgv?: string[] } = {}): Promise<Side> {
  const child = fork(server, [scenario, role, ...(upstream === undefined ? [] : [upstream])], {
    execArgv,
    stdio: ['ignore', 'inherit', 'inherit', 'ipc']
  })
  const port = await reply<number>(child, 'port')
  return {
    port,
    async usage () {
      child.send('usage')
      return await reply<Usage>(child, 'usage')
    },
    async stop () {
      const exited = once(child, 'exit')
      child.disconnect()
      await exited
    }
  }
}
