import t from 'tap'
import { execFileSync } from 'node:child_process'
import { mkdir, readFile, rename, rm, symlink, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { text } from 'node:stream/consumers'
import { AlgorithmLog } from '../../../lib/operator/engine/job-log.js'
import { Budget, MAX_DEPTH, openInside, walkTree } from '../../../lib/operator/engine/walk.js'
import { tempDir } from '../local/helpers.js'

const BIG = new Budget(1000, 1_000_000)

/** A job-like folder `base` with `sub` below it, and a secret beside it that nothing may reach. */
async function tree (t: Parameters<typeof tempDir>[0]) {
  const base = await tempDir(t)
  const root = join(base, 'out')
  await mkdir(join(root, 'dir'), { recursive: true })
  await writeFile(join(root, 'a.txt'), 'a')
  await writeFile(join(root, 'dir', 'b.txt'), 'bb')
  const other = await tempDir(t)
  await writeFile(join(other, 'secret'), 'another job\'s')
  return { base, root, other }
}

t.test('a walk lists regular files only, and never follows a link, wherever it points', async t => {
  const { base, root, other } = await tree(t)
  await symlink('/etc', join(root, 'etc'))
  await symlink('/etc/hostname', join(root, 'hostname'))
  await symlink(other, join(root, 'other-job'))
  await symlink('../../../../../../../..', join(root, 'dir', 'up'))
  await symlink('/proc/self/root', join(root, 'root'))
  await symlink('.', join(root, 'a'))
  await symlink('.', join(root, 'b'))
  await symlink('loop', join(root, 'loop'))
  execFileSync('mkfifo', [join(root, 'fifo')])
  const budget = new Budget(1000, 1_000_000)
  const walked = await walkTree(base, 'out', budget)
  t.same(walked, { files: [{ filename: 'a.txt', filesize: 1 }, { filename: 'dir/b.txt', filesize: 2 }] })
  t.equal(budget.entries, 12, 'every entry counts: files, the folder, links and the FIFO')
})

t.test('a walk starts only from a real folder: a link anywhere on the way holds nothing', async t => {
  const { base, root, other } = await tree(t)
  await symlink(other, join(base, 'linked'))
  t.same(await walkTree(base, 'linked', BIG), { files: [] })
  await symlink(root, join(base, 'via'))
  t.same(await walkTree(base, 'via/dir', BIG), { files: [] }, 'a link above the folder')
  t.same(await walkTree(base, 'out/a.txt', BIG), { files: [] }, 'a file')
  t.same(await walkTree(base, 'missing', BIG), { files: [] })
  t.same(await walkTree(base, 'out/../out', BIG), { files: [] }, 'no dot segments')
})

t.test('a walk stops at the first entry beyond the budget, counting empty files, folders and links', async t => {
  const base = await tempDir(t)
  const root = join(base, 'out')
  await mkdir(root)
  // More entries than the budget, each of 0 bytes: in a folder of its own and in many.
  await Promise.all(Array.from({ length: 300 }, async (_, i) => await writeFile(join(root, `e${i}`), '')))
  const budget = new Budget(100, 1_000_000)
  const walked = await walkTree(base, 'out', budget)
  t.equal(walked.overrun, 'entries')
  t.equal(budget.entries, 101, 'it stopped at the 101st entry')
  t.ok(walked.files.length <= 100)

  const bytes = await walkTree(base, 'out', new Budget(1000, 100))
  t.equal(bytes.overrun, undefined, 'empty files are 0 bytes')
  await writeFile(join(root, 'big'), Buffer.alloc(200))
  t.equal((await walkTree(base, 'out', new Budget(1000, 100))).overrun, 'bytes')
  const shared = new Budget(302, 1_000_000)
  await walkTree(base, 'out', shared)
  t.equal(shared.entries, 301, 'a budget is spent by each walk it is given')
  t.equal((await walkTree(base, 'out', shared)).overrun, 'entries', 'so two walks share one cap')
})

t.test(`folders nested deeper than ${MAX_DEPTH} are an overrun`, async t => {
  const base = await tempDir(t)
  const shallow = join('out', ...Array.from({ length: MAX_DEPTH }, () => 'd'))
  await mkdir(join(base, shallow), { recursive: true })
  await writeFile(join(base, shallow, 'deep.txt'), 'x')
  t.match(await walkTree(base, 'out', BIG), { files: [{ filename: `${'d/'.repeat(MAX_DEPTH)}deep.txt` }], overrun: undefined })
  await mkdir(join(base, shallow, 'd'))
  t.match(await walkTree(base, 'out', BIG), { overrun: 'depth' })
})

t.test('a folder gone while walked is skipped', async t => {
  const { base, root } = await tree(t)
  const budget = new Budget(1000, 1_000_000)
  // The walk reads 'out', then 'out/dir' later: remove it in between by taking the budget's turn.
  const take = budget.take.bind(budget)
  budget.take = size => {
    if (budget.entries === 0) execFileSync('rm', ['-r', join(root, 'dir')])
    return take(size)
  }
  t.same(await walkTree(base, 'out', budget), { files: [{ filename: 'a.txt', filesize: 1 }] })
})

t.test('an open is refused unless the file opened is the regular file inside, reached through real folders', async t => {
  const { base, root, other } = await tree(t)
  const opened = await openInside(base, 'out/dir/b.txt')
  t.equal(opened?.size, 2)
  t.equal(await text(opened!.handle.createReadStream()), 'bb')

  await symlink('/etc/hostname', join(root, 'hostname'))
  t.equal(await openInside(base, 'out/hostname'), undefined, 'a link as the last part')
  // A folder replaced by a link after the listing, to a folder with a file of the same name.
  await mkdir(join(other, 'dir'))
  await writeFile(join(other, 'dir', 'b.txt'), 'stolen')
  await rename(join(root, 'dir'), join(root, 'was-dir'))
  await symlink(join(other, 'dir'), join(root, 'dir'))
  t.equal(await openInside(base, 'out/dir/b.txt'), undefined, 'a link as a folder on the way')
  await rm(join(root, 'dir'))
  await symlink('../..', join(root, 'dir'))
  t.equal(await openInside(base, 'out/dir/out/a.txt'), undefined, 'a relative link up and back down')
  await symlink('/proc/self/root', join(root, 'root'))
  t.equal(await openInside(base, 'out/root/etc/hostname'), undefined, 'the provider\'s own root')
  execFileSync('mkfifo', [join(root, 'fifo')])
  t.equal(await openInside(base, 'out/fifo'), undefined, 'a FIFO: refused, and the open does not hang')
  t.equal(await openInside(base, 'out/was-dir'), undefined, 'a folder')
  t.equal(await openInside(base, 'out/missing'), undefined)
  t.equal(await openInside(base, 'out/../out/a.txt'), undefined, 'no dot segments')
  t.equal(await openInside(base, 'out//a.txt'), undefined, 'no empty segments')
})

t.test('the algorithm\'s log keeps what fits and drops the rest as it comes', async t => {
  const dir = await tempDir(t)
  const log = new AlgorithmLog(join(dir, 'algorithm.log'), 10)
  t.equal(log.write(Buffer.from('12345')), true)
  t.equal(log.write(Buffer.from('67890')), true, 'exactly full is not cut')
  t.equal(log.write(Buffer.from('x')), false, 'one byte more is')
  t.equal(log.write(Buffer.from('y'.repeat(1000))), false)
  await log.close()
  t.equal(log.cut, true)
  t.equal(await readFile(join(dir, 'algorithm.log'), 'utf8'), '1234567890')

  const half = new AlgorithmLog(join(dir, 'half.log'), 4)
  t.equal(half.write(Buffer.from('abcdef')), false)
  await half.close()
  t.equal(await readFile(join(dir, 'half.log'), 'utf8'), 'abcd', 'a chunk across the cap is cut inside')

  const unwritable = new AlgorithmLog(join(dir, 'missing', 'log'), 10)
  unwritable.write(Buffer.from('lost'))
  await unwritable.close()
  t.pass('a log that cannot be written fails nothing')
  await new AlgorithmLog(join(dir, 'never.log'), 10).close()
  t.pass('a log never opened closes')
})
