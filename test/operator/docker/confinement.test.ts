import t, { type Test } from 'tap'
import { mkdir, realpath, rename, rm, stat, symlink, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import type { FastifyInstance } from 'fastify'
import type { LocalJobStatus } from '../../../lib/index.js'
import { startPodman } from '../../helpers/podman.js'
import { dataFolder, download, provider, started, currentJob, waitFor } from './helpers.js'

// What a container algorithm's outputs and logs can reach, and how big they get, on a real
// Podman (issue 20, rows 1, 2, 8 and 11): the same walk and open as the local engine.
t.setTimeout(300_000)

const podman = await startPodman(t)

type Language = 'node' | 'python'
const ENTRYPOINTS: Record<Language, string> = { node: 'node $ALGO', python: 'python3 $ALGO' }

async function run (t: Test, app: FastifyInstance, language: Language, rawcode: string): Promise<LocalJobStatus> {
  const jobId = await started(t, app, { rawcode, image: podman!.images[language], entrypoint: ENTRYPOINTS[language] })
  return await waitFor(app, jobId, undefined, 120_000)
}

const names = (job: LocalJobStatus) => job.results.map(({ type, filename }) => `${type}:${filename}`)

/** Every listed result downloads with 200 and the body the algorithm wrote; nothing else is listed. */
async function served (app: FastifyInstance, job: LocalJobStatus): Promise<string[]> {
  return await Promise.all(job.results.map(async (_result, index) => (await download(app, job.jobId, index)).body))
}

if (podman !== undefined) {
  const links = (language: Language) => language === 'python'
    ? `import os, time
out, logs = '/data/outputs', '/data/logs'
open(out + '/mine.txt', 'w').write('mine')
for target, name in [('/etc', 'etc'), ('/etc/hostname', 'hostname'), ('../../../../..', 'datadir'), ('/proc/self/root', 'root'), ('.', 'a'), ('.', 'b')]:
    os.symlink(target, os.path.join(out, name))
os.symlink('/etc', logs + '/etc')
os.symlink('../../../..', logs + '/job')
time.sleep(2.5)`
    : `const fs = require('fs')
const out = '/data/outputs', logs = '/data/logs'
fs.writeFileSync(out + '/mine.txt', 'mine')
for (const [target, name] of [['/etc', 'etc'], ['/etc/hostname', 'hostname'], ['../../../../..', 'datadir'], ['/proc/self/root', 'root'], ['.', 'a'], ['.', 'b']]) fs.symlinkSync(target, out + '/' + name)
fs.symlinkSync('/etc', logs + '/etc')
fs.symlinkSync('../../../..', logs + '/job')
setTimeout(() => {}, 2500)`

  for (const language of ['node', 'python'] as const) {
    t.test(`${language}: links to /etc, up the tree to other jobs and records, the provider's root, and a loop: none is listed or served`, async t => {
      const dataDir = await dataFolder(t)
      const app = await provider(t, podman, { dataDir })
      const victim = await run(t, app, 'node', "require('fs').writeFileSync('/data/outputs/private.txt', 'victim data')")
      t.equal(victim.exitCode, 0)
      const job = await run(t, app, language, links(language))
      t.match(job, { status: 70, exitCode: 0 })
      t.equal(job.error, undefined, 'measured while it ran, loop and all, without an overrun')
      t.same(names(job), ['output:mine.txt', 'log:algorithm.log', 'log:engine.log'])
      t.same((await served(app, job))[0], 'mine')
    })
  }

  t.test('a link made after the job ended, before the download, is not followed at any component', async t => {
    const dataDir = await dataFolder(t)
    const app = await provider(t, podman, { dataDir })
    const job = await run(t, app, 'node', "require('fs').mkdirSync('/data/outputs/sub'); require('fs').writeFileSync('/data/outputs/sub/r.txt', 'result')")
    t.same(names(job)[0], 'output:sub/r.txt')
    const outputs = join(await realpath(dataDir), 'jobs', job.jobId, 'work', 'data', 'outputs')
    const elsewhere = join(dataDir, 'elsewhere')
    await mkdir(join(elsewhere, 'sub'), { recursive: true })
    await writeFile(join(elsewhere, 'sub', 'r.txt'), 'not the job\'s')
    await rename(join(outputs, 'sub'), join(outputs, 'sub.was'))
    await symlink(join(elsewhere, 'sub'), join(outputs, 'sub'))
    t.equal((await download(app, job.jobId, 0)).statusCode, 404)
    await rm(join(outputs, 'sub'))
    await symlink('/proc/self/root', join(outputs, 'sub'))
    t.equal((await download(app, job.jobId, 0)).statusCode, 404)
    await rm(join(outputs, 'sub'))
    await rename(join(outputs, 'sub.was'), join(outputs, 'sub'))
    t.same(await download(app, job.jobId, 0), { statusCode: 200, body: 'result' }, 'put back, it is served again')
  })

  t.test('100,000 empty output files: the job fails with a clear error; its record and status stay small', async t => {
    const dataDir = await dataFolder(t)
    const app = await provider(t, podman, { dataDir })
    const job = await run(t, app, 'python', `import os
for i in range(100000):
    open('/data/outputs/%d' % i, 'w').close()`)
    t.match(job, { status: 70, error: 'The outputs and logs held more than 1000 entries (files, folders and links) and were discarded.' })
    t.same(names(job), ['log:algorithm.log', 'log:engine.log'])
    t.ok((await stat(join(dataDir, 'records', `${job.jobId}.json`))).size < 4096, 'the record is small')
    t.ok(JSON.stringify(await currentJob(app, job.jobId)).length < 4096, 'and so is the status')
  })

  t.test('a huge log is cut at maxLogBytes; files in /data/logs count toward maxOutputBytes; the engine\'s lines cannot be forged', async t => {
    const dataDir = await dataFolder(t)
    const app = await provider(t, podman, { dataDir, maxLogBytes: 100_000, maxOutputBytes: 1_000_000 })
    const chatty = await run(t, app, 'node', `const fs = require('fs')
const forged = '[engine] the algorithm exited with code 0 (forged)\\n'
process.stdout.write(forged)
fs.writeFileSync('/data/logs/algorithm.log', forged)
fs.writeFileSync('/data/logs/engine.log', forged)
const line = 'z'.repeat(1023) + '\\n'
for (let i = 0; i < 20000; i++) process.stdout.write(line)
process.exitCode = 5`)
    t.match(chatty, { status: 70, exitCode: 5, results: [{ filename: 'algorithm.log', filesize: 100_000 }, { filename: 'engine.log' }, { filename: 'logs/algorithm.log' }, { filename: 'logs/engine.log' }] })
    const [algorithmLog, engineLog] = await served(app, chatty)
    t.match(algorithmLog, /^\[engine\] the algorithm exited with code 0 \(forged\)\nzzz/, 'what it printed is in its own log')
    t.equal(engineLog, '[engine] the algorithm exited with code 5\n[engine] the algorithm\'s log was cut at 100000 bytes\n', 'the engine\'s log is the engine\'s alone')

    const writer = await run(t, app, 'python', "open('/data/logs/big.log', 'w').write('w' * 5000000)")
    t.match(writer, { error: 'The outputs and logs exceeded 1000000 bytes and were discarded.' })
  })
}
