import { execFileSync } from 'node:child_process'
import { existsSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { Test } from 'tap'

export const ROOT = fileURLToPath(new URL('../..', import.meta.url))

/**
 * The package exactly as `npm publish` would upload it, packed from the current
 * build into a folder removed after the test. Scripts are skipped: `npm test`
 * builds first, and a stale build is what the checks should see.
 */
export function packTarball (t: Test): string {
  if (!existsSync(join(ROOT, 'dist/lib/index.js'))) throw new Error('no dist/: run `npm run build` first')
  const dir = mkdtempSync(join(tmpdir(), 'foc-pack-'))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  const [pack] = JSON.parse(execFileSync('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', dir], { cwd: ROOT, encoding: 'utf8' })) as Array<{ filename: string }>
  return join(dir, pack!.filename)
}
