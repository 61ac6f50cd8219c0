import t from 'tap'
import fc from 'fast-check'
import { execFileSync } from 'node:child_process'
import { lstat, mkdir, readFile, realpath, symlink, writeFile } from 'node:fs/promises'
import { join, relative } from 'node:path'
import { Engine } from '../../lib/operator/engine/engine.js'
import { splitEntrypoint } from '../../lib/operator/engine/entrypoint.js'
import { resolveEngineOptions } from '../../lib/operator/engine/options.js'
import type { AlgorithmRunner, PreparedJob } from '../../lib/operator/engine/runner.js'
import type { LocalJobStatus } from '../../lib/index.js'
import { build, COMPUTE_PATH, PREFIX } from '../helpers/build.js'
import { alice, DID, sign } from '../helpers/sign.js'
import { until } from '../helpers/until.js'
import { CSV_PATH, tempDir } from '../operator/local/helpers.js'

// Random trees of files, folders and links in a job's outputs and logs, served through the
// routes: only regular files inside the job, each with its own content, and the provider stays up.
// FUZZ_RUNS=2000 runs longer; each case is a whole job.
const RUNS = Number(process.env.FUZZ_RUNS ?? 60)
t.setTimeout(300_000)

const SECRET = 'SECRET of the provider'
const segment = fc.constantFrom('a', 'b', 'c', '.hidden', 'x y', 'é', 'a\\b', '%2e%2e', 'l'.repeat(60), '..', '.')
const op = fc.record({
  kind: fc.constantFrom('dir', 'file', 'link'),
  folder: fc.constantFrom('outputs', 'logs'),
  path: fc.array(segment, { minLength: 1, maxLength: 4 }),
  target: fc.oneof(
    fc.constantFrom('/etc', '/etc/hostname', '.', '..', '../..', '../../..', '../../../../..', '../../../../../..', '/proc/self/root', 'missing', 'a', 'a/b', 'SECRET_DIR', 'SECRET_FILE', 'OTHER_JOB'),
    fc.array(fc.constantFrom('..', 'a', 'b', '.'), { minLength: 1, maxLength: 8 }).map(parts => parts.join('/'))
  )
})
const tree = fc.array(op, { maxLength: 30 })
type Op = { kind: string, folder: string, path: string[], target: string }

async function linkOnTheWay (root: string, folders: string[]): Promise<boolean> {
  for (let i = 1; i <= folders.length; i++) {
    const stat = await lstat(join(root, ...folders.slice(0, i))).catch(() => undefined)
    if (stat?.isSymbolicLink() === true) return true
  }
  return false
}

/** Builds the tree an algorithm would: each op inside its folder, or skipped. */
async function plant (job: PreparedJob, ops: Op[], secrets: { dir: string, file: string, otherJob: string }): Promise<void> {
  for (const { kind, folder, path, target } of ops) {
    const root = folder === 'outputs' ? job.layout.outputs : job.layout.logs
    const where = join(root, ...path)
    if (relative(root, where).startsWith('..') || where === root) continue // the algorithm's mounts end there
    const to = target === 'SECRET_DIR' ? secrets.dir : target === 'SECRET_FILE' ? secrets.file : target === 'OTHER_JOB' ? secrets.otherJob : target
    // A link on the way is skipped: this process is not in a container, and writing through
    // one would write where it points (outside the job, or a file whose content names
    // another path than its own).
    if (await linkOnTheWay(root, path.slice(0, -1))) continue
    try {
      await mkdir(join(where, '..'), { recursive: true })
      if (kind === 'dir') await mkdir(where)
      else if (kind === 'file') await writeFile(where, relative(job.layout.dir, where))
      else await symlink(to, where)
    } catch {} // taken, or a link on the way: as for an algorithm
  }
}

t.test('outputs of any shape: only regular files inside the job are listed and served, each its own', async t => {
  const dataDir = await realpath(await tempDir(t))
  const secretDir = await tempDir(t)
  await writeFile(join(secretDir, 'a'), SECRET)
  const secrets = { dir: secretDir, file: join(secretDir, 'a'), otherJob: join(dataDir, 'jobs') }
  const runner: AlgorithmRunner = {
    entrypoint: splitEntrypoint,
    provision: async () => {},
    run: async job => {
      await plant(job, JSON.parse(await readFile(job.layout.algorithm, 'utf8')) as Op[], secrets)
      return { exitCode: 0, summary: 'planted' }
    }
  }
  const operator = new Engine('fuzz engine', resolveEngineOptions('fuzz', { dataDir, datasets: { [DID]: CSV_PATH }, maxOutputFiles: 12, maxConcurrentJobs: 4 }), runner)
  const { app } = await build({ operator })
  t.teardown(async () => { await app.close(); await operator.close() })
  const startSignature = await sign(alice, { documentId: DID })
  let overruns = 0
  let listed = 0

  await fc.assert(fc.asyncProperty(tree, async ops => {
    const res = await app.inject({
      method: 'POST',
      url: COMPUTE_PATH,
      payload: { consumerAddress: alice.address, signature: startSignature, documentId: DID, algorithmMeta: { rawcode: JSON.stringify(ops), container: { entrypoint: 'node $ALGO' } }, output: {} }
    })
    if (res.statusCode !== 200) throw new Error(`start: ${res.statusCode} ${res.body}`)
    const { jobId } = (res.json() as LocalJobStatus[])[0]!
    const query = { consumerAddress: alice.address, jobId, signature: await sign(alice, { jobId }) }
    const job = await until(async () => {
      const status = await app.inject({ method: 'GET', url: COMPUTE_PATH, query })
      const [found] = status.json() as LocalJobStatus[]
      return found?.status === 70 ? found : undefined
    }, 'the job to end', 10_000, 5)
    const layoutDir = join(dataDir, 'jobs', jobId)
    // What find (never following a link) sees as regular files: every one is listed, unless over the caps.
    const regular = (folder: string, prefix: string) => execFileSync('find', [join(layoutDir, 'work', 'data', folder), '-type', 'f', '-printf', `${prefix}%P\\n`], { encoding: 'utf8' }).split('\n').filter(Boolean).sort()
    if (job.error === undefined) {
      const expected = [...regular('outputs', ''), ...regular('logs', 'logs/')]
      const got = job.results.filter(r => r.filename !== 'algorithm.log' && r.filename !== 'engine.log').map(r => r.filename)
      if (JSON.stringify([...got].sort()) !== JSON.stringify(expected.sort())) throw new Error(`listed ${JSON.stringify(got)}, find says ${JSON.stringify(expected)}`)
    } else {
      overruns++
      if (!/^The outputs and logs (held more than 12 entries|were nested deeper)/.test(job.error)) throw new Error(job.error)
    }
    for (const [index, result] of job.results.entries()) {
      const signature = await alice.signMessage({ message: alice.address + jobId + String(index) })
      const download = await app.inject({ method: 'GET', url: `${PREFIX}/computeResult`, query: { consumerAddress: alice.address, jobId, index: String(index), signature } })
      if (download.statusCode !== 200) throw new Error(`${result.filename}: ${download.statusCode}`)
      if (download.body.includes(SECRET)) throw new Error(`${result.filename} served the secret`)
      const inside = result.type === 'output' ? `work/data/outputs/${result.filename}` : result.filename!.startsWith('logs/') ? `work/data/${result.filename}` : undefined
      if (inside !== undefined && download.body !== inside) throw new Error(`${result.filename} served ${JSON.stringify(download.body.slice(0, 100))}`)
      listed++
    }
  }), {
    numRuns: RUNS,
    // Always one tree past the caps: 16 files.
    examples: [[Array.from({ length: 16 }, (_, i) => ({ kind: 'file', folder: i % 2 === 0 ? 'outputs' : 'logs', path: ['a', 'b', 'c', 'é'].slice(0, 1 + (i >> 2)).concat(String(i)), target: '.' }))]]
  })
  t.ok(overruns > 0, `some trees went past the caps (${overruns} of ${RUNS})`)
  t.ok(listed > RUNS * 2, `${listed} results served`)
  const status = await app.inject({ method: 'GET', url: COMPUTE_PATH, query: { consumerAddress: alice.address, signature: await sign(alice) } })
  t.equal(status.statusCode, 200, 'the provider still serves')
})
