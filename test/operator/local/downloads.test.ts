import t from 'tap'
import { createServer, type ServerResponse } from 'node:http'
import { once } from 'node:events'
import type { AddressInfo } from 'node:net'
import { readFile, stat } from 'node:fs/promises'
import { localOperator, type LocalOperatorOptions } from '../../../lib/index.js'
import { ALGORITHMS, DID, engine, layoutOf, resultText, start, tempDir, waitFor } from './helpers.js'
import { fakeDns } from '../../helpers/fake-dns.js'
import { resolveEngineOptions } from '../../../lib/operator/engine/options.js'
import { UrlPolicy } from '../../../lib/operator/engine/url-policy.js'

const SECRET = 'AKIA-provider-credentials'
const UNREACHABLE = 'the URL cannot be fetched from this provider'
const MIB = 1024 * 1024

// The provider's "metadata service" and an attacker's server, both on loopback: inside the provider.
const hits: string[] = []
const server = createServer((request, response) => {
  hits.push(request.url!)
  if (request.url === '/latest/meta-data/iam/credentials') response.end(SECRET)
  else if (request.url === '/algorithm.js') response.end(ALGORITHMS.count)
  else if (request.url === '/data.csv') response.end('a\n1\n2\n')
  else if (request.url === '/to-metadata') response.writeHead(302, { location: 'http://metadata.example/latest/meta-data/iam/credentials' }).end()
  else if (request.url === '/endless') endless(response)
  else response.writeHead(404).end()
})
function endless (response: ServerResponse): void {
  const chunk = Buffer.alloc(64 * 1024, 'x')
  const write = () => { while (response.write(chunk)); }
  response.on('drain', write)
  write()
}
server.listen(0, '127.0.0.1')
await once(server, 'listening')
t.teardown(() => { server.closeAllConnections(); server.close() })
const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
const lookup = fakeDns({ 'metadata.example': ['169.254.169.254'] })

t.test('by default a consumer\'s algorithm URL that points inside the provider is not fetched, and says nothing of why', async t => {
  const dataDir = await tempDir(t)
  const operator = await engine(t, { dataDir })
  hits.length = 0
  const { jobId } = await start(operator, { url: `${base}/latest/meta-data/iam/credentials` })
  t.match(await waitFor(operator, jobId), { status: 32, error: `The algorithm could not be fetched: ${UNREACHABLE}.` })
  t.same(hits, [], 'the server was never asked')
  const layout = await layoutOf(dataDir, jobId)
  const log = await readFile(layout.engineLog, 'utf8') + await readFile(layout.log, 'utf8').catch(() => '')
  t.notMatch(log, SECRET)
  t.notMatch(log, /127\.0\.0\.1|ECONNREFUSED|ENOTFOUND/)
})

t.test('a redirect from an allowed server into the provider is refused too', async t => {
  const operator = await engine(t, { downloads: { allowAddresses: ['127.0.0.1'], lookup } })
  hits.length = 0
  const { jobId } = await start(operator, { url: `${base}/to-metadata` })
  t.match(await waitFor(operator, jobId), { status: 32, error: `The algorithm could not be fetched: ${UNREACHABLE}.` })
  t.same(hits, ['/to-metadata'])
})

t.test('an endless algorithm stops at maxAlgorithmBytes, not after', async t => {
  const dataDir = await tempDir(t)
  const operator = await engine(t, { dataDir, downloads: { allowAddresses: ['127.0.0.1'], maxAlgorithmBytes: MIB } })
  const { jobId } = await start(operator, { url: `${base}/endless` })
  t.match(await waitFor(operator, jobId), { status: 32, error: `The algorithm could not be fetched: it is larger than ${MIB} bytes.` })
  t.ok((await stat((await layoutOf(dataDir, jobId)).algorithm)).size <= MIB)
})

t.test('a dataset URL of the workflow (a publisher\'s DDO) is held to the same policy unless the host trusts it', async t => {
  hits.length = 0
  const inputs = [{ id: 'did:op:ddo', url: [`${base}/data.csv`] }]
  const strict = await engine(t)
  const refused = await waitFor(strict, (await start(strict, { rawcode: ALGORITHMS.count, inputs })).jobId)
  t.match(refused, { status: 31, error: `The dataset did:op:ddo could not be fetched: ${UNREACHABLE}.` })
  const local = await waitFor(strict, (await start(strict, { rawcode: ALGORITHMS.count, inputs: [{ id: 'did:op:ddo', url: ['file:///etc/passwd'] }] })).jobId)
  t.match(local, { status: 31, error: `The dataset did:op:ddo could not be fetched: ${UNREACHABLE}.` }, 'a file: URL too')
  t.same(hits, [])

  const trusting = await engine(t, { downloads: { trustInputUrls: true } })
  const fetched = await waitFor(trusting, (await start(trusting, { rawcode: ALGORITHMS.count, inputs })).jobId)
  t.match(fetched, { status: 70, exitCode: 0 })
  t.equal(await resultText(trusting, fetched.jobId, 0), '2')
})

t.test('the host\'s own datasets map is trusted: its URLs may be on the host\'s network', async t => {
  const operator = await engine(t, { datasets: { [DID]: `${base}/data.csv` } })
  const job = await waitFor(operator, (await start(operator, { rawcode: ALGORITHMS.count })).jobId)
  t.equal(await resultText(operator, job.jobId, 0), '2')
})

t.test('downloads options are checked when the engine is made', async t => {
  const dataDir = await tempDir(t)
  const bad: Array<[LocalOperatorOptions['downloads'], string]> = [
    ['all' as never, 'downloads must be an object'],
    [{ allowAddresses: '127.0.0.1' as never }, 'downloads.allowAddresses must be a list of addresses or CIDR ranges'],
    [{ allowAddresses: ['localhost'] }, 'downloads.allowAddresses: localhost is not an IP address or a CIDR range'],
    [{ trustInputUrls: 'yes' as never }, 'downloads.trustInputUrls must be true or false'],
    [{ lookup: 'dns' as never }, 'downloads.lookup must be a function'],
    [{ maxAlgorithmBytes: 0 }, 'downloads.maxAlgorithmBytes must be a positive integer, got 0'],
    [{ maxInputBytes: 1.5 }, 'downloads.maxInputBytes must be a positive integer, got 1.5'],
    [{ timeoutSeconds: -1 }, 'downloads.timeoutSeconds must be a positive integer, got -1'],
    // Longer than a Node timer waits, every download would time out at once.
    [{ timeoutSeconds: 2_200_000 }, 'downloads.timeoutSeconds must be at most 2147483 seconds (the longest a Node timer waits), got 2200000'],
    [{ maxRedirects: -1 }, 'downloads.maxRedirects must be a whole number of at least 0, got -1']
  ]
  for (const [downloads, message] of bad) {
    t.throws(() => localOperator({ dataDir, downloads }), { code: 'FST_COMPUTE_INVALID_OPTION', message: `fastify-ocean-compute: localOperator: ${message}` }, message)
  }
})

t.test('the defaults: a policy for consumers\' URLs, 100 MiB for an algorithm, 1 GiB per dataset file, 5 redirects, 300 s', async t => {
  const { downloads } = resolveEngineOptions('localOperator', { dataDir: '/tmp/unused' })
  t.match(downloads.algorithm, { maxBytes: 100 * MIB, maxRedirects: 5, timeoutMs: 300_000 })
  t.type(downloads.algorithm.policy, UrlPolicy)
  t.equal(downloads.algorithm.policy!.allows('127.0.0.1'), false)
  t.match(downloads.input(false), { maxBytes: 1024 * MIB, policy: downloads.algorithm.policy })
  t.equal(downloads.input(true).policy, undefined, 'the host\'s own sources are trusted')
  t.equal(downloads.trustInputUrls, false)
})
