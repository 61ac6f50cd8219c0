import t from 'tap'
import { monitorEventLoopDelay } from 'node:perf_hooks'
import { mkdir, readFile, readdir, rename, rm, stat, symlink, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { mockClock } from '../../helpers/clock.js'
import { until } from '../../helpers/until.js'
import { OWNER, alive, context, currentJob, engine, layoutOf, namedText, resultText, start, tempDir, waitFor, writtenPid } from './helpers.js'

// What an algorithm's outputs and logs can reach, and how big they get, on the local engine
// (issue 20, rows 1, 2, 8 and 11). Python runs unconfined and can make links; Node runs
// under its permission model, which refuses them.
t.setTimeout(120_000)

const PY = 'python3 $ALGO'

/** The names of a job's results, as `type:filename`. */
const names = (job: { results: Array<{ type: string, filename: string }> }) => job.results.map(({ type, filename }) => `${type}:${filename}`)

t.test('links in outputs and logs, to /etc, another job, up the tree, the provider\'s root: none is listed or served', async t => {
  const dataDir = await tempDir(t)
  const operator = await engine(t, { dataDir })
  // A victim: another consumer's job on the same provider, with a private output.
  const victim = await waitFor(operator, (await start(operator, { rawcode: "require('fs').writeFileSync(process.env.OUTPUTS + '/private.txt', 'victim data')" })).jobId)
  const victimOutputs = (await layoutOf(dataDir, victim.jobId)).outputs
  const rawcode = `import os
out, logs = os.environ['OUTPUTS'], os.environ['LOGS']
open(os.path.join(out, 'mine.txt'), 'w').write('mine')
open(os.path.join(logs, 'mine.log'), 'w').write('my log')
os.symlink('/etc', os.path.join(out, 'etc'))
os.symlink('/etc/hostname', os.path.join(out, 'hostname'))
os.symlink(${JSON.stringify(victimOutputs)}, os.path.join(out, 'victim'))
os.symlink(${JSON.stringify(join(victimOutputs, 'private.txt'))}, os.path.join(out, 'private.txt'))
os.symlink('../../../../../..', os.path.join(out, 'datadir'))
os.symlink('/proc/self/root', os.path.join(out, 'root'))
os.symlink('/etc', os.path.join(logs, 'etc'))
os.symlink('../../../..', os.path.join(logs, 'job'))`
  const job = await waitFor(operator, (await start(operator, { rawcode, entrypoint: PY })).jobId)
  t.match(job, { status: 70, exitCode: 0 })
  t.same(names(job), ['output:mine.txt', 'log:algorithm.log', 'log:engine.log', 'log:logs/mine.log'])
  t.equal(await resultText(operator, job.jobId, 0), 'mine')
  t.equal(await resultText(operator, job.jobId, 3), 'my log')
})

t.test('a link loop (a -> ., b -> .) is two entries: the job ends on time and the provider stays responsive', async t => {
  const operator = await engine(t)
  const delay = monitorEventLoopDelay({ resolution: 10 })
  delay.enable()
  t.teardown(() => delay.disable())
  const rawcode = `import os, time
out = os.environ['OUTPUTS']
os.symlink('.', os.path.join(out, 'a'))
os.symlink('.', os.path.join(out, 'b'))
os.symlink('.', os.path.join(os.environ['LOGS'], 'c'))
open(os.path.join(out, 'mine.txt'), 'w').write('mine')
time.sleep(2.5)`
  const began = Date.now()
  const job = await waitFor(operator, (await start(operator, { rawcode, entrypoint: PY })).jobId, undefined, 20_000)
  t.match(job, { status: 70, exitCode: 0 }, 'measured while it ran, at least twice, and at its end')
  t.equal(job.error, undefined)
  t.same(names(job), ['output:mine.txt', 'log:algorithm.log', 'log:engine.log'])
  t.ok(Date.now() - began < 15_000, `ended in ${Date.now() - began} ms`)
  t.ok(delay.max < 1e9, `the event loop never stalled a second (longest ${Math.round(delay.max / 1e6)} ms)`)
})

t.test('a link made after the job ended, before the download, is not followed at any component', async t => {
  const dataDir = await tempDir(t)
  const operator = await engine(t, { dataDir })
  const rawcode = `import os
os.makedirs(os.path.join(os.environ['OUTPUTS'], 'sub'))
open(os.path.join(os.environ['OUTPUTS'], 'sub', 'r.txt'), 'w').write('result')
open(os.path.join(os.environ['OUTPUTS'], 'top.txt'), 'w').write('top')`
  const job = await waitFor(operator, (await start(operator, { rawcode, entrypoint: PY })).jobId)
  t.same(names(job).slice(0, 2), ['output:sub/r.txt', 'output:top.txt'])
  const layout = await layoutOf(dataDir, job.jobId)
  // A leftover process of the algorithm, or anyone who can write the folder, swaps a folder for a link.
  const elsewhere = await tempDir(t)
  await mkdir(join(elsewhere, 'sub'))
  await writeFile(join(elsewhere, 'sub', 'r.txt'), 'not the job\'s')
  await writeFile(join(elsewhere, 'top.txt'), 'not the job\'s')
  await rename(join(layout.outputs, 'sub'), join(layout.outputs, 'sub.was'))
  await symlink(join(elsewhere, 'sub'), join(layout.outputs, 'sub'))
  t.equal(await operator.result({ owner: OWNER, jobId: job.jobId, index: 0 }, context()), undefined, 'a folder on the way')
  await rm(join(layout.outputs, 'sub'))
  await symlink('../../../../../../..' + elsewhere + '/sub', join(layout.outputs, 'sub'))
  t.equal(await operator.result({ owner: OWNER, jobId: job.jobId, index: 0 }, context()), undefined, 'a relative .. chain')
  await rename(layout.outputs, `${layout.outputs}.was`)
  await symlink(elsewhere, layout.outputs)
  t.equal(await operator.result({ owner: OWNER, jobId: job.jobId, index: 1 }, context()), undefined, 'the outputs folder itself')
  await rm(layout.outputs)
  await rename(`${layout.outputs}.was`, layout.outputs)
  t.equal(await resultText(operator, job.jobId, 1), 'top', 'put back, it is served again')
})

for (const [language, entrypoint, rawcode] of [
  ['python', PY, `import os
out = os.environ['OUTPUTS']
for i in range(100000):
    open(os.path.join(out, str(i)), 'w').close()`],
  ['node', 'node $ALGO', `const fs = require('fs')
for (let i = 0; i < 100000; i++) fs.writeFileSync(process.env.OUTPUTS + '/' + i, '')`]
] as const) {
  t.test(`100,000 empty output files (${language}): the job fails with a clear error; its record and status stay small`, async t => {
    const dataDir = await tempDir(t)
    const operator = await engine(t, { dataDir })
    const { jobId } = await start(operator, { rawcode, entrypoint })
    const job = await waitFor(operator, jobId, undefined, 60_000)
    t.match(job, { status: 70, error: 'The outputs and logs held more than 1000 entries (files, folders and links) and were discarded.' })
    t.same(names(job), ['log:algorithm.log', 'log:engine.log'])
    const record = await stat(join(dataDir, 'records', `${jobId}.json`))
    t.ok(record.size < 4096, `the record holds ${record.size} bytes`)
    t.ok(JSON.stringify(await currentJob(operator, jobId)).length < 4096, 'and so does the status')
    t.match(await namedText(operator, jobId, 'engine.log'), /held more than 1000 entries/)
  })
}

t.test('beyond maxOutputFiles the job is killed as it runs; a folder of folders counts as much as files', async t => {
  const operator = await engine(t, { maxOutputFiles: 50 })
  const rawcode = `import os, time
out = os.environ['OUTPUTS']
for i in range(60):
    os.makedirs(os.path.join(out, 'd%d' % i))
time.sleep(60)`
  const job = await waitFor(operator, (await start(operator, { rawcode, entrypoint: PY })).jobId, undefined, 20_000)
  t.match(job, { status: 70, exitCode: null, stopreq: 0, error: 'The outputs and logs held more than 50 entries (files, folders and links) and were discarded.' })
})

t.test('a folder the algorithm closed to its owner (chmod 000) hides nothing from the caps: the job fails and the folder is deleted', async t => {
  // Run as its own user, a provider could neither read such a folder (5 MB inside counted as
  // 4096 bytes against a 1 MB cap) nor delete it; the verdict is by mode, so it holds as root too.
  const dataDir = await tempDir(t)
  const operator = await engine(t, { dataDir, maxOutputBytes: 1_000_000 })
  const rawcode = `import os
hidden = os.path.join(os.environ['OUTPUTS'], 'hidden')
os.makedirs(os.path.join(hidden, 'inner'))
open(os.path.join(hidden, 'inner', 'big'), 'w').write('h' * 5000)
os.chmod(os.path.join(hidden, 'inner'), 0)
os.chmod(hidden, 0o500)`
  const job = await waitFor(operator, (await start(operator, { rawcode, entrypoint: PY })).jobId)
  t.match(job, { status: 70, exitCode: 0, error: 'The outputs and logs held a folder closed to its owner (not readable, writable and searchable) and were discarded.' })
  t.same(names(job), ['log:algorithm.log', 'log:engine.log'])
  await t.rejects(stat(join((await layoutOf(dataDir, job.jobId)).outputs, 'hidden')), { code: 'ENOENT' })
})

t.test('outputs under names that are not UTF-8 are counted: the job fails and they are deleted', async t => {
  const dataDir = await tempDir(t)
  const operator = await engine(t, { dataDir, maxOutputBytes: 1_000_000 })
  const rawcode = `import os
out = os.environb[b'OUTPUTS']
os.makedirs(os.path.join(out, b'\\xff'))
open(os.path.join(out, b'\\xff', b'big'), 'wb').write(b'x' * 3_000_000)`
  const job = await waitFor(operator, (await start(operator, { rawcode, entrypoint: PY })).jobId)
  t.match(job, { status: 70, exitCode: 0, error: 'The outputs and logs held a name that is not UTF-8 and were discarded.' })
  t.same(names(job), ['log:algorithm.log', 'log:engine.log'])
  t.same(await readdir((await layoutOf(dataDir, job.jobId)).outputs).catch(() => []), [])
})

t.test('a huge log: stdout is cut at maxLogBytes as it is written; files in /data/logs count toward maxOutputBytes', async t => {
  const dataDir = await tempDir(t)
  const operator = await engine(t, { dataDir, maxLogBytes: 100_000, maxOutputBytes: 1_000_000 })
  const chatty = await start(operator, { rawcode: "const line = 'z'.repeat(1023) + '\\n'; for (let i = 0; i < 20000; i++) process.stdout.write(line)" })
  const done = await waitFor(operator, chatty.jobId, undefined, 60_000)
  t.match(done, { status: 70, exitCode: 0, results: [{ filename: 'algorithm.log', filesize: 100_000 }, { filename: 'engine.log' }] })
  t.equal((await stat((await layoutOf(dataDir, chatty.jobId)).log)).size, 100_000, 'never more on the disk')
  t.match(await namedText(operator, chatty.jobId, 'engine.log'), /the algorithm's log was cut at 100000 bytes/)

  const writer = await start(operator, { rawcode: "require('fs').writeFileSync(process.env.LOGS + '/big.log', 'w'.repeat(5_000_000))" })
  t.match(await waitFor(operator, writer.jobId), { error: 'The outputs and logs exceeded 1000000 bytes and were discarded.' })
})

t.test('an algorithm cannot forge the engine\'s lines: they are in a log of their own, out of its reach', async t => {
  const operator = await engine(t)
  const rawcode = `const fs = require('fs'), path = require('path')
const forged = '[engine] the algorithm exited with code 0 (forged)\\n'
process.stdout.write(forged)
fs.writeFileSync(path.join(process.env.LOGS, 'algorithm.log'), forged)
fs.writeFileSync(path.join(process.env.LOGS, 'engine.log'), forged)
let journal = 'written'
try { fs.appendFileSync(path.join(process.env.ALGO, '..', '..', '..', '..', 'journal', 'engine.log'), forged) } catch (err) { journal = err.code }
fs.writeFileSync(path.join(process.env.OUTPUTS, 'journal.txt'), journal)
process.exit(5)`
  const job = await waitFor(operator, (await start(operator, { rawcode })).jobId)
  t.same(names(job), ['output:journal.txt', 'log:algorithm.log', 'log:engine.log', 'log:logs/algorithm.log', 'log:logs/engine.log'])
  t.equal(await resultText(operator, job.jobId, 0), 'ERR_ACCESS_DENIED', 'the journal is out of a Node algorithm\'s reach')
  t.equal(await resultText(operator, job.jobId, 2), '[engine] the algorithm exited with code 5\n', 'the engine\'s log is the engine\'s alone')
  t.match(await resultText(operator, job.jobId, 1), /^\[engine\] the algorithm exited with code 0 \(forged\)\n/, 'what it printed is in its own log')
})

t.test('a Node algorithm cannot make links at all', async t => {
  const operator = await engine(t)
  const rawcode = `const fs = require('fs'), path = require('path')
const codes = []
for (const [target, name] of [['/etc', 'etc'], ['.', 'loop'], ['../../../..', 'up']]) {
  try { fs.symlinkSync(target, path.join(process.env.OUTPUTS, name)); codes.push('made') } catch (err) { codes.push(err.code) }
}
fs.writeFileSync(path.join(process.env.OUTPUTS, 'codes.txt'), codes.join(','))`
  const job = await waitFor(operator, (await start(operator, { rawcode })).jobId)
  t.same(names(job), ['output:codes.txt', 'log:algorithm.log', 'log:engine.log'])
  t.equal(await resultText(operator, job.jobId, 0), 'ERR_ACCESS_DENIED,ERR_ACCESS_DENIED,ERR_ACCESS_DENIED')
})

t.test('jobs together cannot fill the disk: the one that takes results past maxDiskBytes is ended, and starts wait for room', async t => {
  const operator = await engine(t, { maxDiskBytes: 2_500_000, maxOutputBytes: 1_000_000 })
  const writes = (bytes: number, ms: number) => `require('fs').writeFileSync(process.env.OUTPUTS + '/out', 'x'.repeat(${bytes})); setTimeout(() => {}, ${ms})`
  const first = await waitFor(operator, (await start(operator, { rawcode: writes(900_000, 0) })).jobId)
  t.match(first, { exitCode: 0, results: [{ filename: 'out', filesize: 900_000 }] })
  // Two more, each within its own cap, that stay running: together they would hold 2.7 MB.
  const jobs = [await start(operator, { rawcode: writes(900_000, 60_000) }), await start(operator, { rawcode: writes(900_000, 60_000) })]
  const ended = await until(async () => {
    for (const { jobId } of jobs) {
      const job = await currentJob(operator, jobId)
      if (job?.status === 70) return job
    }
  }, 'one of them to be ended', 20_000)
  t.match(ended, { exitCode: null, stopreq: 0, error: 'The provider\'s disk for results is full (maxDiskBytes 2500000): the outputs and logs were discarded.' })
  t.notOk(ended.results.some(result => result.type === 'output'))
  const other = jobs.find(job => job.jobId !== ended.jobId)!
  t.match((await operator.stop({ owner: OWNER, jobId: other.jobId }, context()))[0], { stopreq: 1, results: [{ filename: 'out' }] }, 'the other keeps its outputs')

  await t.rejects(start(operator, { rawcode: writes(10, 0) }), { statusCode: 503, message: 'The local compute engine has no disk left for a job\'s results; try again later.' }, 'less than maxOutputBytes left: a start waits')
  await operator.delete({ owner: OWNER, jobId: first.jobId }, context())
  t.match(await waitFor(operator, (await start(operator, { rawcode: writes(10, 0) })).jobId), { exitCode: 0 }, 'room again once a job is deleted')
})

// Python, whose grandchild leaves the group and holds stdout: a job it is in takes the pipes'
// grace (a second) to end, long enough to measure the other job in between.
const FILLS_AND_LINGERS = `import os, time
open(os.path.join(os.environ['OUTPUTS'], 'out'), 'w').write('x' * 900000)
escapee = os.fork()
if escapee == 0:
    os.setsid()
    time.sleep(60)
    os._exit(0)
open(os.path.join(os.environ['OUTPUTS'], 'escapee'), 'w').write(str(escapee))
open(os.path.join(os.environ['OUTPUTS'], 'pid'), 'w').write(str(os.getpid()))
time.sleep(60)`

t.test('a job ended for the disk stops counting at once: the next measure of the other job does not end it too', async t => {
  const clock = mockClock(t) // the output checks run when the test says, once both outputs are written
  const dataDir = await tempDir(t)
  const operator = await engine(t, { dataDir, maxDiskBytes: 1_500_000, maxOutputBytes: 1_000_000 })
  const jobs = [await start(operator, { rawcode: FILLS_AND_LINGERS, entrypoint: 'python3 $ALGO' }), await start(operator, { rawcode: FILLS_AND_LINGERS, entrypoint: 'python3 $ALGO' })]
  const pids = await Promise.all(jobs.map(async ({ jobId }) => await writtenPid(dataDir, jobId)))
  for (const { jobId } of jobs) {
    const escapee = Number(await readFile(join((await layoutOf(dataDir, jobId)).outputs, 'escapee'), 'utf8'))
    t.teardown(() => { try { process.kill(escapee, 'SIGKILL') } catch {} })
  }
  clock.advance(1000) // both measured: together 1.8 MB, so the second to be counted is ended
  const endedIndex = await until(async () => {
    for (const [index, pid] of pids.entries()) if (!await alive(pid)) return index
  }, 'one of them to be killed')
  clock.advance(1000) // the other measured again while the ended one waits out its pipes
  const ended = await waitFor(operator, jobs[endedIndex]!.jobId)
  t.match(ended, { stopreq: 0, error: 'The provider\'s disk for results is full (maxDiskBytes 1500000): the outputs and logs were discarded.' })
  const other = jobs[1 - endedIndex]!
  const [stopped] = await operator.stop({ owner: OWNER, jobId: other.jobId }, context())
  t.match(stopped, { stopreq: 1 }, 'the other ran on until stopped')
  t.ok(stopped?.results.some(result => result.filename === 'out' && result.filesize === 900_000), 'and keeps its outputs')
})

t.test('jobs that end before they are measured are caught at their end; a restart counts what is kept', async t => {
  const dataDir = await tempDir(t)
  const limits = { dataDir, maxDiskBytes: 2_500_000, maxOutputBytes: 1_000_000 }
  const operator = await engine(t, limits)
  const writes = (bytes: number) => `require('fs').writeFileSync(process.env.OUTPUTS + '/out', 'x'.repeat(${bytes}))`
  t.match(await waitFor(operator, (await start(operator, { rawcode: writes(900_000) })).jobId), { exitCode: 0, results: [{ filename: 'out' }] })
  // Both start while there is room for one more, and end at once.
  const quick = [await start(operator, { rawcode: writes(900_000) }), await start(operator, { rawcode: writes(900_000) })]
  const ended = await Promise.all(quick.map(async ({ jobId }) => await waitFor(operator, jobId)))
  t.same(ended.map(job => /^The provider's disk for results is full/.test(job.error ?? '')).sort(), [false, true], 'the one that took the results past the cap lost them')
  await operator.close()
  const again = await engine(t, limits)
  await t.rejects(start(again, { rawcode: writes(10) }), { statusCode: 503, message: /no disk left/ }, 'after a restart, the kept results still count')
})

t.test('options: maxOutputFiles, maxLogBytes and maxDiskBytes are checked at registration', async t => {
  const dataDir = await tempDir(t)
  await t.rejects(engine(t, { dataDir, maxDiskBytes: -1 }), /localOperator: maxDiskBytes must be a whole number of at least 0, got -1/)
  await t.rejects(engine(t, { dataDir, maxOutputFiles: 0 }), /localOperator: maxOutputFiles must be a positive integer, got 0/)
  await t.rejects(engine(t, { dataDir, maxLogBytes: 1.5 }), /localOperator: maxLogBytes must be a positive integer, got 1.5/)
})
