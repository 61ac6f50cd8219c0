import t from 'tap'
import { createServer } from 'node:http'
import { once } from 'node:events'
import type { AddressInfo } from 'node:net'
import { readFile, rm, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { ALGORITHMS, CSV_PATH, DID, OWNER, context, engine, recordingLog, namedText, resultText, start, tempDir, waitFor } from './helpers.js'

t.test('a job moves through the lifecycle to 70 and lists its output and its log', async t => {
  const operator = await engine(t)
  const started = await start(operator, { rawcode: ALGORITHMS.count })
  t.match(started, { owner: OWNER, documentId: DID, inputDID: [DID], algoDID: 'raw', status: 1, statusText: 'Warming up', stopreq: 0, removed: 0, dateFinished: null, results: [] })
  t.match(started.jobId, /^[0-9a-f]{32}$/)

  const seen = new Set<number>()
  const job = await waitFor(operator, started.jobId, job => { seen.add(job.status); return job.status === 70 })
  t.ok([...seen].every(status => [1, 20, 30, 40, 60, 70].includes(status)), `statuses seen: ${[...seen].join(', ')}`)
  t.match(job, {
    statusText: 'Job completed',
    exitCode: 0,
    stopreq: 0,
    results: [
      { index: 0, filename: 'rows.txt', filesize: 2, type: 'output' },
      { index: 1, filename: 'algorithm.log', type: 'log' },
      { index: 2, filename: 'engine.log', type: 'log' }
    ]
  })
  // Links are the plugin's: only it knows the prefix it is mounted under.
  t.notOk(job.results.some(result => 'url' in result) || 'resultsUrl' in job || 'algorithmLogUrl' in job, 'no link of the engine\'s own')
  t.ok(job.dateFinished! >= job.dateCreated!)
  t.equal(job.error, undefined)
  t.equal(await resultText(operator, job.jobId, 0), '16')
  t.match(await resultText(operator, job.jobId, 1), /^counted 16\n/)
  t.equal(await resultText(operator, job.jobId, 2), '[engine] the algorithm exited with code 0\n', 'the engine\'s lines in a log of their own')
})

t.test('a failing algorithm ends at 70 with its exit code and keeps its log', async t => {
  const operator = await engine(t)
  const job = await waitFor(operator, (await start(operator, { rawcode: ALGORITHMS.fail })).jobId)
  t.match(job, { status: 70, statusText: 'Job completed', exitCode: 3, stopreq: 0, results: [{ filename: 'algorithm.log', type: 'log' }] })
  t.match(await resultText(operator, job.jobId, 0), /something broke/)
  t.match(await namedText(operator, job.jobId, 'engine.log'), /exited with code 3/)
})

t.test('Node algorithms may not read outside their folder, nor start processes', async t => {
  const operator = await engine(t)
  // The records of every job sit two folders above the job folder.
  const peek = await start(operator, { rawcode: "require('fs').readdirSync(require('path').join(process.env.INPUTS, '../../../../records'))" })
  const spawn = await start(operator, { rawcode: "require('child_process').execSync('echo hi')" })
  for (const { jobId } of [peek, spawn]) {
    const job = await waitFor(operator, jobId)
    t.match(job, { status: 70, exitCode: 1 })
    t.match(await resultText(operator, jobId, 0), /ERR_ACCESS_DENIED/)
  }
})

t.test('JavaScript algorithms may be ES modules', async t => {
  const operator = await engine(t)
  const job = await waitFor(operator, (await start(operator, {
    rawcode: "import { writeFileSync } from 'node:fs'\nwriteFileSync(process.env.OUTPUTS + '/esm.txt', 'esm')"
  })).jobId)
  t.equal(await resultText(operator, job.jobId, 0), 'esm')
})

t.test('a python3 entrypoint runs the algorithm with python3, and the container image is noted as ignored', async t => {
  const operator = await engine(t)
  const rawcode = "import os\nopen(os.path.join(os.environ['OUTPUTS'], 'out.txt'), 'w').write(os.environ['DIDS'])"
  const job = await waitFor(operator, (await start(operator, { rawcode, entrypoint: 'python3 $ALGO', image: 'python', tag: '3.11' })).jobId)
  t.match(job, { status: 70, exitCode: 0 })
  t.equal(await resultText(operator, job.jobId, 0), JSON.stringify([DID]))
  t.match(await namedText(operator, job.jobId, 'engine.log'), /container image python:3\.11 ignored/)
})

t.test('an allowed runtime that is not installed fails algorithm provisioning (32)', async t => {
  const operator = await engine(t, { runtimes: ['node', 'no-such-runtime-here'] })
  const job = await waitFor(operator, (await start(operator, { rawcode: 'x', entrypoint: 'no-such-runtime-here $ALGO' })).jobId)
  t.match(job, { status: 32, statusText: 'Algorithm provisioning failed', error: 'The runtime no-such-runtime-here could not be started: ENOENT.', exitCode: null })
})

t.test('datasets and algorithms by URL', async t => {
  const server = createServer((request, response) => {
    if (request.url === '/algorithm.js') response.end(ALGORITHMS.count)
    else if (request.url === '/data.csv') response.end('a\n1\n2\n')
    else if (request.url === '/empty') response.writeHead(204).end()
    else response.writeHead(404).end('no')
  })
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  t.teardown(() => server.close())
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  const dir = await tempDir(t)
  const fileCsv = join(dir, 'file.csv')
  await writeFile(fileCsv, 'a\n1\n')
  const operator = await engine(t, {
    datasets: { [DID]: CSV_PATH, 'did:op:web': `${base}/data.csv`, 'did:op:file': `file://${fileCsv}`, 'did:op:gone': `${base}/missing.csv`, 'did:op:nowhere': join(dir, 'missing.csv') }
  })

  t.test('an algorithm URL is fetched; datasets come from http, file: URLs, paths and the workflow', async t => {
    for (const [id, rows] of [['did:op:web', '2'], ['did:op:file', '1'], [DID, '16']] as const) {
      const job = await waitFor(operator, (await start(operator, { url: `${base}/algorithm.js`, inputs: [{ id }] })).jobId)
      t.match(job, { status: 70, exitCode: 0 }, id)
      t.equal(await resultText(operator, job.jobId, 0), rows, id)
    }
    // A host's buildWorkflow may resolve ids itself: its URLs win over the map.
    const job = await waitFor(operator, (await start(operator, { url: `${base}/algorithm.js`, inputs: [{ id: 'did:op:resolved', url: [`${base}/data.csv`] }] })).jobId)
    t.equal(await resultText(operator, job.jobId, 0), '2')
  })

  t.test('a dataset that cannot be fetched ends at 31, naming the cause but not the source', async t => {
    for (const [id, cause] of [['did:op:gone', 'the server answered HTTP 404'], ['did:op:nowhere', 'ENOENT']] as const) {
      const job = await waitFor(operator, (await start(operator, { rawcode: ALGORITHMS.count, inputs: [{ id }] })).jobId)
      t.match(job, { status: 31, statusText: 'Data provisioning failed', error: `The dataset ${id} could not be fetched: ${cause}.` })
      const log = await resultText(operator, job.jobId, 0)
      t.match(log, cause)
      t.notMatch(log, /127\.0\.0\.1|missing\.csv/)
    }
  })

  t.test('an algorithm that cannot be fetched ends at 32', async t => {
    for (const [path, cause] of [['/nothing.js', 'the server answered HTTP 404'], ['/empty', 'the server answered HTTP 204']] as const) {
      const job = await waitFor(operator, (await start(operator, { url: `${base}${path}` })).jobId)
      t.match(job, { status: 32, statusText: 'Algorithm provisioning failed', error: `The algorithm could not be fetched: ${cause}.` })
    }
    const closed = createServer().listen(0, '127.0.0.1')
    await once(closed, 'listening')
    const port = (closed.address() as AddressInfo).port
    closed.close()
    // Port 1 is one fetch refuses to use: a cause without a code.
    for (const [url, cause] of [[`http://127.0.0.1:${port}/a.js`, 'ECONNREFUSED'], ['http://127.0.0.1:1/a.js', 'unknown error']]) {
      const job = await waitFor(operator, (await start(operator, { url })).jobId)
      t.match(job, { status: 32, error: `The algorithm could not be fetched: ${cause}.` })
    }
  })
})

t.test('a job whose folder cannot be made ends at 70 with an error, logged for the host', async t => {
  const dataDir = await tempDir(t)
  await writeFile(join(dataDir, 'jobs'), 'not a folder')
  const operator = await engine(t, { dataDir })
  const log = recordingLog()
  const job = await waitFor(operator, (await start(operator, { rawcode: ALGORITHMS.count }, context(log))).jobId)
  t.match(job, { status: 70, error: 'The provider failed while running the job.', results: [] })
  t.equal(log.errors.length, 1)
})

t.test('the algorithm gets a clean environment: no secrets of the server', async t => {
  process.env.PROVIDER_PRIVATE_KEY = '0xsecret'
  t.teardown(() => { delete process.env.PROVIDER_PRIVATE_KEY })
  const operator = await engine(t)
  const job = await waitFor(operator, (await start(operator, {
    rawcode: "require('fs').writeFileSync(process.env.OUTPUTS + '/env.json', JSON.stringify(process.env))"
  })).jobId)
  const env = JSON.parse((await resultText(operator, job.jobId, 0))!) as Record<string, string>
  t.equal(env.PROVIDER_PRIVATE_KEY, undefined)
  t.match(env, { DIDS: JSON.stringify([DID]), TRANSFORMATION_DID: 'raw', PATH: String })
  t.equal(await readFile(join(env.INPUTS!, DID, '0'), 'utf8'), await readFile(CSV_PATH, 'utf8'))
  t.match(env.ALGO, /data\/transformations\/algorithm$/)
  t.match(env.OUTPUTS, /data\/outputs$/)
  t.match(env.LOGS, /data\/logs$/)
  await rm(env.OUTPUTS!, { recursive: true })
})
