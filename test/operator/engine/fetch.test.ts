import t from 'tap'
import { createServer, type ServerResponse } from 'node:http'
import { once } from 'node:events'
import type { AddressInfo } from 'node:net'
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fetchTo, UNREACHABLE, type DownloadRules } from '../../../lib/operator/engine/fetch.js'
import { UrlPolicy } from '../../../lib/operator/engine/url-policy.js'
import { fakeDns } from '../../helpers/fake-dns.js'

const MIB = 1024 * 1024
const SECRET = 'AKIA-provider-credentials'

// One loopback server plays every host: loopback is what the provider must never reach
// unless the host allows it (here: `allowAddresses: ['127.0.0.1']` plays "public").
const hits: string[] = []
let streamed = 0
const server = createServer((request, response) => {
  const url = request.url!
  hits.push(url)
  const to = (location: string) => response.writeHead(302, { location }).end()
  if (url === '/latest/meta-data/iam/credentials') response.end(SECRET)
  else if (url === '/ok') response.end('print(1)')
  else if (url === '/to-ok') to('/ok')
  else if (url === '/to-metadata') to('http://169.254.169.254/latest/meta-data/iam/credentials')
  else if (url === '/to-name') to(`http://metadata.example:${port}/latest/meta-data/iam/credentials`)
  else if (url === '/to-file') to('file:///etc/passwd')
  else if (url === '/loop') to('/loop')
  else if (url === '/missing') response.writeHead(404).end('no')
  else if (url === '/huge') response.writeHead(200, { 'content-length': String(10 * 1024 * MIB) }).end()
  else if (url === '/endless') endless(response)
  // '/slow' never answers
})
function endless (response: ServerResponse): void {
  const chunk = Buffer.alloc(64 * 1024, 'x')
  const write = () => {
    let more = true
    while (more) {
      more = response.write(chunk)
      streamed += chunk.length
    }
  }
  response.on('drain', write)
  write()
}
server.listen(0, '127.0.0.1')
await once(server, 'listening')
t.teardown(() => { server.closeAllConnections(); server.close() })
const port = (server.address() as AddressInfo).port
const base = `http://127.0.0.1:${port}`

const dir = await mkdtemp(join(tmpdir(), 'foc-fetch-'))
t.teardown(async () => await rm(dir, { recursive: true, force: true }))
const destination = join(dir, 'file')

const dns = fakeDns({ 'attacker.example': ['127.0.0.1'], 'metadata.example': ['169.254.169.254'], 'inside.example': ['10.0.0.1', '192.168.0.1'] })
const strict: DownloadRules = { policy: new UrlPolicy({ lookup: dns }), maxBytes: MIB, timeoutMs: 5000, maxRedirects: 5 }
const loopbackAllowed: DownloadRules = { ...strict, policy: new UrlPolicy({ allowAddresses: ['127.0.0.1'], lookup: dns }) }
const trusted: DownloadRules = { maxBytes: MIB, timeoutMs: 5000, maxRedirects: 5 }
const signal = new AbortController().signal

async function failure (source: string, rules: DownloadRules): Promise<string | undefined> {
  try {
    await fetchTo(source, destination, signal, rules)
  } catch (err) {
    return (err as Error).message
  }
}

t.test('a URL that leads inside is never fetched, by address, by name or by scheme, in the same words', async t => {
  hits.length = 0
  for (const source of [`${base}/latest/meta-data/iam/credentials`, `http://attacker.example:${port}/latest/meta-data/iam/credentials`,
    `http://[::ffff:127.0.0.1]:${port}/latest/meta-data/iam/credentials`, `http://2130706433:${port}/latest/meta-data/iam/credentials`,
    'http://inside.example/', 'http://169.254.169.254/latest/meta-data/', 'file:///etc/passwd', '/etc/passwd']) {
    t.equal(await failure(source, strict), UNREACHABLE, source)
  }
  t.same(hits, [], 'no request reached the server')
})

t.test('every failure of a policed download reads the same: unknown name, refused port, HTTP error, timeout', async t => {
  const closed = createServer().listen(0, '127.0.0.1')
  await once(closed, 'listening')
  const closedPort = (closed.address() as AddressInfo).port
  closed.close()
  for (const source of ['http://no-such-name.example/', `http://127.0.0.1:${closedPort}/`, `${base}/missing`]) {
    t.equal(await failure(source, loopbackAllowed), UNREACHABLE, source)
  }
  t.equal(await failure(`${base}/slow`, { ...loopbackAllowed, timeoutMs: 300 }), UNREACHABLE, 'a timeout')
})

t.test('an allowed URL is fetched, through relative redirects too, each address checked at its connection', async t => {
  dns.calls.length = 0
  let connections = 0
  const count = () => { connections++ }
  server.on('connection', count)
  t.teardown(() => server.off('connection', count))
  t.equal(await failure(`http://attacker.example:${port}/to-ok`, loopbackAllowed), undefined)
  t.equal(await readFile(destination, 'utf8'), 'print(1)')
  t.ok(connections > 0)
  t.same(dns.calls, Array(connections).fill('attacker.example'), 'one lookup per connection: what was checked is what was connected to')
})

t.test('a redirect is checked like the URL: inside addresses, inside names, other schemes, loops', async t => {
  hits.length = 0
  for (const path of ['/to-metadata', '/to-name', '/to-file', '/loop']) {
    t.equal(await failure(`${base}${path}`, loopbackAllowed), UNREACHABLE, path)
  }
  t.notOk(hits.includes('/latest/meta-data/iam/credentials'), 'the secret was never asked for')
  t.equal(hits.filter(hit => hit === '/loop').length, 6, 'the first request and 5 redirects')
})

t.test('the size is capped as the file arrives: the download stops there', async t => {
  streamed = 0
  t.equal(await failure(`${base}/endless`, loopbackAllowed), `it is larger than ${MIB} bytes`)
  t.ok((await stat(destination)).size <= MIB, 'no more than the cap on disk')
  await new Promise(resolve => setTimeout(resolve, 200))
  const sent = streamed
  await new Promise(resolve => setTimeout(resolve, 200))
  t.equal(streamed, sent, `the server stopped sending (after ${sent} bytes)`)
  t.ok(sent < 32 * MIB, 'soon after the cap')
  hits.length = 0
  t.equal(await failure(`${base}/huge`, trusted), `it is larger than ${MIB} bytes`, 'a Content-Length over the cap is refused before reading')
})

t.test('a trusted source may be local or inside, and its failures name their cause', async t => {
  t.equal(await failure(`${base}/latest/meta-data/iam/credentials`, trusted), undefined)
  t.equal(await readFile(destination, 'utf8'), SECRET, 'the host\'s own URL reaches its own network')
  t.equal(await failure(`${base}/missing`, trusted), 'the server answered HTTP 404')
  t.equal(await failure(`${base}/to-file`, trusted), 'a redirect to another scheme')
  t.equal(await failure(`${base}/loop`, trusted), 'more than 5 redirects')
  t.equal(await failure(`${base}/slow`, { ...trusted, timeoutMs: 300 }), 'it took longer than 0.3 seconds')
  t.equal(await failure(join(dir, 'nothing'), trusted), 'ENOENT')
})

t.test('an abort rejects with its reason', async t => {
  const controller = new AbortController()
  const pending = fetchTo(`${base}/slow`, destination, controller.signal, loopbackAllowed)
  controller.abort('stop')
  await t.rejects(pending, 'stop')
})
