import { existsSync, readdirSync } from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir, userInfo } from 'node:os'
import { join } from 'node:path'
import type { Test } from 'tap'
import { freePort, run, serverMissing } from './servers.js'

const ROOT = '/usr/lib/postgresql'

// Debian installs each major version's programs under /usr/lib/postgresql/<major>/bin.
function binaries (): string | undefined {
  const majors = existsSync(ROOT) ? readdirSync(ROOT).filter(name => existsSync(join(ROOT, name, 'bin', 'pg_ctl'))) : []
  const newest = majors.sort((a, b) => Number(b) - Number(a))[0]
  return newest === undefined ? undefined : join(ROOT, newest, 'bin')
}

export interface PostgresServer { host: string, port: number, user: string, database: string }

/**
 * A throwaway PostgreSQL cluster on 127.0.0.1 (Debian's `postgresql`), stopped and
 * deleted at the end of `t`; undefined (the test skipped or failed) when it is not
 * installed. PostgreSQL refuses to run as root: as root it runs as the `postgres` user.
 */
export async function startPostgres (t: Test): Promise<PostgresServer | undefined> {
  const bin = binaries()
  if (bin === undefined) {
    serverMissing(t, `PostgreSQL (${ROOT}/<version>/bin, Debian package postgresql)`)
    return undefined
  }
  const asRoot = process.getuid?.() === 0
  const owner = asRoot ? 'postgres' : userInfo().username
  const dir = await mkdtemp(join(tmpdir(), 'foc-postgres-'))
  const as = async (program: string, args: string[]) => asRoot
    ? await run('runuser', ['-u', 'postgres', '--', join(bin, program), ...args])
    : await run(join(bin, program), args)
  if (asRoot) await run('chown', ['postgres:', dir])
  const data = join(dir, 'data')
  const port = await freePort()
  t.teardown(async () => {
    await as('pg_ctl', ['-D', data, '-m', 'immediate', 'stop']).catch(() => {})
    await rm(dir, { recursive: true, force: true })
  })
  await as('initdb', ['-D', data, '-U', owner, '-A', 'trust', '--no-sync', '--no-instructions'])
  await as('pg_ctl', ['-D', data, '-w', '-t', '60', '-l', join(dir, 'log'), '-o',
    `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off -c full_page_writes=off`, 'start'])
  return { host: '127.0.0.1', port, user: owner, database: 'postgres' }
}
