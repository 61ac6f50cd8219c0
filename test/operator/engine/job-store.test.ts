import t from 'tap'
import * as fs from 'node:fs/promises'
import { constants } from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

t.test('records the engine may read but not write (a read-only volume, another owner\'s folder) are refused when they are loaded, which the engine\'s ready() awaits', async t => {
  const dataDir = await mkdtemp(join(tmpdir(), 'foc-job-store-'))
  t.teardown(async () => await rm(dataDir, { recursive: true, force: true }))
  const records = join(dataDir, 'records')
  await fs.mkdir(records)
  // Root writes through any mode bits: the kernel's answer for a read-only volume stands in.
  const readOnly = {
    ...fs,
    access: async (path: string, mode?: number) => {
      if (path.startsWith(dataDir) && mode !== undefined && (mode & constants.W_OK) !== 0) {
        throw Object.assign(new Error(`EROFS: read-only file system, access '${path}'`), { code: 'EROFS' })
      }
      await fs.access(path, mode)
    }
  }
  const { JobStore } = await t.mockImport<typeof import('../../../lib/operator/engine/job-store.js')>('../../../lib/operator/engine/job-store.js', { 'node:fs/promises': readOnly })
  await t.rejects(new JobStore(records).load(), { code: 'EROFS', message: `EROFS: read-only file system, access '${records}'` })
  await new (await import('../../../lib/operator/engine/job-store.js')).JobStore(records).load()
  t.pass('a folder it may write loads')
})
