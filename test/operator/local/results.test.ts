import t from 'tap'
import { mkdir, realpath, rm, symlink, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { jobLayout } from '../../../lib/operator/engine/layout.js'
import { contentTypeOf } from '../../../lib/operator/engine/results.js'
import { runProcess } from '../../../lib/operator/local/process.js'
import { OWNER, context, engine, resultText, start, tempDir, waitFor } from './helpers.js'

t.test('results: regular files below outputs, in order, with content types; links left out', async t => {
  const dataDir = await tempDir(t)
  const operator = await engine(t, { dataDir, runtimes: ['python3'] })
  // python3 is unconfined and can make links; Node's permission model would refuse them.
  const rawcode = `import os
out = os.environ['OUTPUTS']
os.makedirs(os.path.join(out, 'charts'))
open(os.path.join(out, 'charts', 'b.svg'), 'w').write('<svg/>')
open(os.path.join(out, 'a.csv'), 'w').write('x\\n1\\n')
os.symlink('/etc/hostname', os.path.join(out, 'link'))
open(os.path.join(os.environ['LOGS'], 'extra.log'), 'w').write('more')`
  const job = await waitFor(operator, (await start(operator, { rawcode, entrypoint: 'python3 $ALGO' })).jobId)
  t.match(job.results.map(({ filename, type }) => `${type}:${filename}`), ['output:a.csv', 'output:charts/b.svg', 'log:algorithm.log', 'log:engine.log', 'log:logs/extra.log'])
  t.same(job.results.map(result => result.index), [0, 1, 2, 3, 4], 'each result knows its index, the computeResult index')

  const file = await operator.result({ owner: OWNER.toLowerCase(), jobId: job.jobId, index: 1 }, context())
  t.match(file, { name: 'charts/b.svg', size: 6, contentType: 'image/svg+xml' })
  file!.stream.destroy()
  t.equal(await resultText(operator, job.jobId, 0), 'x\n1\n')

  // Nothing for another owner, an index past the end, a file gone or replaced.
  t.equal(await operator.result({ owner: '0x' + '2'.repeat(40), jobId: job.jobId, index: 0 }, context()), undefined)
  t.equal(await resultText(operator, job.jobId, 4), 'more')
  t.equal(await operator.result({ owner: OWNER, jobId: job.jobId, index: 5 }, context()), undefined)
  const layout = jobLayout(await realpath(dataDir), job.jobId)
  await rm(join(layout.outputs, 'a.csv'))
  t.equal(await operator.result({ owner: OWNER, jobId: job.jobId, index: 0 }, context()), undefined)
  await mkdir(join(layout.outputs, 'a.csv'))
  t.equal(await operator.result({ owner: OWNER, jobId: job.jobId, index: 0 }, context()), undefined)
  await rm(join(layout.outputs, 'a.csv'), { recursive: true })
  await symlink('/etc/hostname', join(layout.outputs, 'a.csv'))
  t.equal(await operator.result({ owner: OWNER, jobId: job.jobId, index: 0 }, context()), undefined)
})

t.test('content types by extension', async t => {
  t.equal(contentTypeOf('result.JSON'), 'application/json')
  t.equal(contentTypeOf('a/b.txt'), 'text/plain; charset=utf-8')
  t.equal(contentTypeOf('model.bin'), 'application/octet-stream')
  t.equal(contentTypeOf('noextension'), 'application/octet-stream')
})

t.test('runner: an already aborted run is killed at once', async t => {
  const dir = await tempDir(t)
  await writeFile(join(dir, 'log'), '')
  const outcome = await runProcess({
    file: process.execPath,
    args: ['-e', 'setTimeout(() => {}, 60000)'],
    cwd: dir,
    env: {},
    output: () => {},
    signal: AbortSignal.abort()
  })
  t.same(outcome, { exitCode: null, signal: 'SIGKILL' })
})
