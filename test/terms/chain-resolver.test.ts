import { spawnSync } from 'node:child_process'
import { once } from 'node:events'
import type { Worker } from 'node:worker_threads'
import Fastify from 'fastify'
import t from 'tap'
import { bytesToHex, createPublicClient, encodeAbiParameters, hexToBytes, http, type Address, type Hex } from 'viem'
import { chainDdos, type ChainClient } from '../../lib/index.js'
import { boundedAlone } from '../../lib/terms/resolvers/lzma-alone.js'
import { lzmaDecoder } from '../../lib/terms/resolvers/lzma-decoder.js'
import { startAnvil } from '../helpers/anvil.js'
import { accounts, compressDDO, compressDDOText, deployOcean, Metadata } from '../../examples/chain/contracts.js'
import { freePort } from '../helpers/servers.js'

t.setTimeout(180_000)
const ctx = () => ({ signal: new AbortController().signal })

t.test('option checks name the option', async t => {
  t.throws(() => chainDdos({ metadata: '0x' + '11'.repeat(20) }), { code: 'FST_COMPUTE_INVALID_OPTION', message: /chainDdos needs exactly one of rpcUrl/ })
  t.throws(() => chainDdos({ rpcUrl: 'http://x', metadata: 'Metadata' }), { message: /chainDdos: metadata must be the Metadata contract's address/ })
  t.throws(() => chainDdos({ rpcUrl: 'http://x', metadata: '0x' + '11'.repeat(20), ttl: -1 }), { message: /chainDdos: ttl must be a whole number/ })
  t.throws(() => chainDdos({ rpcUrl: 'http://x', metadata: '0x' + '11'.repeat(20), maxBytes: 0 }), { message: /chainDdos: maxBytes must be a positive integer/ })
  for (const name of ['fromBlock', 'ttl', 'cacheSize', 'maxBytes', 'timeout', 'maxResponseBytes']) {
    t.throws(() => chainDdos({ rpcUrl: 'http://x', metadata: '0x' + '11'.repeat(20), [name]: Number.NaN }),
      { code: 'FST_COMPUTE_INVALID_OPTION', message: new RegExp(`^fastify-ocean-compute: chainDdos: ${name} must be .*, got NaN$`) }, `${name}: NaN`)
  }
})

// A node that answers every search with one event carrying `data` under `flags`, one per DID.
const MiB = 1024 * 1024
const didOf = (n: number) => 'did:op:' + n.toString(16).padStart(40, '0')
const logOf = (flags: Hex, data: Hex) => ({ blockNumber: '0x1', logIndex: '0x0', data: encodeAbiParameters([{ type: 'bytes' }, { type: 'bytes' }], [flags, data]) })
const metadata = '0x' + '34'.repeat(20)
const publishing = (events: Record<string, [Hex, Hex]>): ChainClient => ({
  request: async args => {
    const topic = (args.params as [{ topics: [unknown, string] }])[0].topics[1]
    const found = Object.entries(events).find(([did]) => topic.endsWith(did.slice(-40)))
    return found === undefined ? [] : [logOf(...found[1])]
  }
})
const nextWorker = async () => (await once(process, 'worker'))[0] as Worker
// A DDO of 1 MiB, mostly one letter: its stream is a few hundred bytes, its decompression the most CPU maxBytes allows.
const bombDdo = { '@context': 'https://w3id.org/did/v1', id: didOf(1), service: [{ type: 'metadata', index: 0, attributes: { main: { type: 'dataset', name: 'a'.repeat(MiB - 300) } } }] }
const bomb = compressDDOText(JSON.stringify(bombDdo, null, 2))
const small = compressDDO({ '@context': 'https://w3id.org/did/v1', id: didOf(2), service: [] })

t.test('while a DDO is decompressed, the provider answers other requests', async t => {
  t.ok(bomb.length < 2000, `a ${bomb.length / 2}-byte stream`)
  const node = publishing({ [didOf(1)]: ['0x01', bomb] })
  let searched!: () => void
  const search = new Promise<void>(resolve => { searched = resolve })
  const resolve = chainDdos({ client: { request: async args => { searched(); return await node.request(args) } }, metadata, maxBytes: MiB })
  const app = Fastify()
  app.get('/ping', async () => ({ pong: true }))
  app.get('/ddo/:did', async request => await resolve((request.params as { did: string }).did, ctx()) ?? {})
  const url = await app.listen({ host: '127.0.0.1', port: 0 })
  t.teardown(async () => { await app.close() })
  const answered: string[] = []
  const ddo = fetch(`${url}/ddo/${didOf(1)}`).then(async res => { answered.push('ddo'); return await res.json() })
  await search
  const ping = await fetch(`${url}/ping`).then(async res => { answered.push('ping'); return await res.json() })
  t.same(ping, { pong: true })
  t.same(await ddo, bombDdo, 'the 1 MiB DDO is read')
  t.same(answered, ['ping', 'ddo'], 'the ping was answered while the DDO was decompressed')
})

t.test('a DDO not decompressed by the deadline is a 503, and its worker ends', async t => {
  const events: Record<string, [Hex, Hex]> = { [didOf(1)]: ['0x01', bomb], [didOf(2)]: ['0x01', small] }
  const resolve = chainDdos({ client: publishing(events), metadata, maxBytes: MiB, timeout: 1 })
  const worker = nextWorker()
  await t.rejects(resolve(didOf(1), ctx()), { code: 'FST_COMPUTE_CHAIN_UNAVAILABLE', statusCode: 503, message: 'The chain did not answer in time to read the asset\'s DDO.' })
  await once(await worker, 'exit')
  t.pass('the worker was terminated')
  const relaxed = chainDdos({ client: publishing(events), metadata, maxBytes: MiB })
  t.equal((await relaxed(didOf(2), ctx()))?.id, didOf(2), 'the next DDO is decompressed by a new worker')
})

t.test('DDOs wait for the decoder in a bounded queue: beyond 8, a 503 at once', async t => {
  const events: Record<string, [Hex, Hex]> = {}
  for (let n = 1; n <= 10; n++) events[didOf(n)] = ['0x01', small]
  const resolve = chainDdos({ client: publishing(events), metadata })
  const settled: string[] = []
  await Promise.all(Object.keys(events).map(async did => {
    settled.push(await resolve(did, ctx()).then(ddo => ddo!.id, (err: Error & { statusCode: number }) => `${err.statusCode} ${err.message}`))
  }))
  t.same(settled, ['503 Too many DDOs read from the chain wait to be decompressed: try again.', ...Array(9).fill(didOf(2))],
    'the tenth was refused at once; the one decompressed first and the eight waiting were read')
})

t.test('a DDO still waiting for the decoder at its deadline leaves the queue', async t => {
  const decode = lzmaDecoder(8)
  const stream = (hex: Hex) => boundedAlone(hexToBytes(hex), MiB)!
  const first = decode(stream(bomb), Date.now() + 60_000)
  await t.rejects(decode(stream(small), Date.now()), { message: 'the deadline passed while the DDO waited to be decompressed' })
  t.match(await first, /^\{/, 'the one decoding goes on')
})

t.test('what the decoder cannot read is no DDO, and the next one is read', async t => {
  const resolve = chainDdos({
    client: publishing({
      [didOf(1)]: ['0x01', (small.slice(0, 28) + 'ff'.repeat(30)) as Hex],
      [didOf(2)]: ['0x01', compressDDOText([0xff, 0xfe, 0x80, 0x7b])],
      [didOf(3)]: ['0x01', small]
    }),
    metadata
  })
  t.equal(await resolve(didOf(1), ctx()), undefined, 'a corrupt stream')
  t.equal(await resolve(didOf(2), ctx()), undefined, 'bytes that are not UTF-8')
  t.ok(await resolve(didOf(3), ctx()), 'then a DDO')
})

t.test('a worker that dies while it decodes is a 503; the next DDO gets a new one', async t => {
  const resolve = chainDdos({ client: publishing({ [didOf(1)]: ['0x01', bomb], [didOf(2)]: ['0x01', small] }), metadata, maxBytes: MiB })
  const worker = nextWorker()
  const dying = resolve(didOf(1), ctx())
  await (await worker).terminate()
  await t.rejects(dying, { code: 'FST_COMPUTE_CHAIN_UNAVAILABLE', message: 'The chain could not be read for the asset\'s DDO.' })
  t.ok(await resolve(didOf(2), ctx()))
})

const node = await startAnvil(t)
if (node !== undefined) {
  const ocean = await deployOcean(node.url)
  const calls: string[] = []
  const real = createPublicClient({ transport: http(node.url) })
  const client: ChainClient = { request: async args => { calls.push(args.method); return await real.request(args as never) } }
  const publish = async (datatoken: Address, flags: Hex, data: Hex, update = false) =>
    await ocean.send(accounts.publisher, ocean.metadata, Metadata.abi, update ? 'update' : 'create', [datatoken, flags, data])
  const ddoOf = (datatoken: Address, name: string) => ({
    '@context': 'https://w3id.org/did/v1',
    id: 'did:op:' + datatoken.slice(2),
    dataToken: datatoken,
    service: [{ type: 'metadata', index: 0, attributes: { main: { type: 'dataset', name, files: [{ index: 0, contentType: 'text/csv' }] } } }]
  })

  t.test('a DDO published as ocean.js publishes it is read back from the chain', async t => {
    const datatoken = await ocean.datatoken()
    const ddo = ddoOf(datatoken, 'Ünïcödé weather, 2020 ✓')
    const data = compressDDO(ddo)
    t.equal(data.slice(0, 12), '0x5d00000002', 'the .lzma alone header ocean.js writes: props 5d, a 2^25 dictionary')
    await publish(datatoken, '0x01', data)
    const resolve = chainDdos({ client, metadata: ocean.metadata })
    calls.length = 0
    t.same(await resolve('did:op:' + datatoken.slice(2), ctx()), ddo)
    t.same(calls, ['eth_getLogs'], 'one search')
    t.same(await resolve('did:op:' + datatoken.slice(2).toUpperCase(), ctx()), ddo, 'the DID in another case is the same asset')
    t.same(calls, ['eth_getLogs'], 'served from memory within the ttl')

    const python = spawnSync('python3', ['-c', 'import lzma, sys; sys.stdout.write(lzma.decompress(bytes.fromhex(sys.argv[1][2:])).decode())', data], { encoding: 'utf8' })
    if (python.error !== undefined) t.comment('python3 is not here: Aquarius v3\'s reading of the same bytes not checked')
    else t.same(JSON.parse(python.stdout), ddo, 'Python\'s lzma (what Aquarius v3 runs) reads the same bytes')
  })

  t.test('a newer event replaces the DDO once the ttl has passed; concurrent resolutions share one search', async t => {
    const datatoken = await ocean.datatoken()
    const did = 'did:op:' + datatoken.slice(2)
    await publish(datatoken, '0x01', compressDDO(ddoOf(datatoken, 'first')))
    const resolve = chainDdos({ client, metadata: ocean.metadata, ttl: 0 })
    calls.length = 0
    const together = await Promise.all(Array.from({ length: 10 }, async () => await resolve(did, ctx())))
    t.ok(together.every(ddo => (ddo as ReturnType<typeof ddoOf>).service[0]!.attributes.main.name === 'first'))
    t.same(calls, ['eth_getLogs'], 'ten concurrent resolutions, one search')
    await publish(datatoken, '0x01', compressDDO(ddoOf(datatoken, 'second')), true)
    t.equal((await resolve(did, ctx()) as ReturnType<typeof ddoOf>).service[0]!.attributes.main.name, 'second', 'MetadataUpdated')
    await publish(datatoken, '0x', bytesToHex(new TextEncoder().encode(JSON.stringify(ddoOf(datatoken, 'third')))), true)
    t.equal((await resolve(did, ctx()) as ReturnType<typeof ddoOf>).service[0]!.attributes.main.name, 'third', 'flags 0: plain JSON')
    calls.length = 0
    t.equal((await resolve(did, ctx()) as ReturnType<typeof ddoOf>).service[0]!.attributes.main.name, 'third', 'no newer event: the same')
    t.same(calls, ['eth_getLogs'], 'one search from the known event\'s block')
  })

  t.test('what no provider can read is no DDO: encrypted, corrupt, a bomb, not JSON', async t => {
    const resolve = chainDdos({ client, metadata: ocean.metadata, maxBytes: 4096 })
    const cases: Array<[string, Hex, Hex]> = [
      ['encrypted for Aquarius (flags bit 1)', '0x03', compressDDO({ id: 'x' })],
      ['not LZMA', '0x01', '0x00112233445566778899aabbccddeeff'],
      ['shorter than the LZMA header', '0x01', '0x5d0000'],
      ['LZMA of something other than JSON', '0x01', compressDDOText('not json {')],
      ['a length over maxBytes (a bomb)', '0x01', compressDDO('a'.repeat(5000))],
      ['an unknown length (the decoder would run to an end mark)', '0x01', ('0x5d00000002' + 'ff'.repeat(8) + compressDDO({}).slice(28)) as Hex],
      ['a corrupt stream', '0x01', (compressDDO({ id: 'x' }).slice(0, 28) + 'ff'.repeat(30)) as Hex],
      ['LZMA of bytes that are not UTF-8', '0x01', compressDDOText([0xff, 0xfe, 0x80, 0x7b])],
      ['plain text over maxBytes', '0x00', ('0x' + '20'.repeat(5000)) as Hex],
      ['plain text that is not JSON', '0x00', '0x7b7b7b']
    ]
    for (const [what, flags, data] of cases) {
      const datatoken = await ocean.datatoken()
      await publish(datatoken, flags, data)
      t.equal(await resolve('did:op:' + datatoken.slice(2), ctx()), undefined, what)
    }
    const fine = await ocean.datatoken()
    await publish(fine, '0x01', compressDDO(ddoOf(fine, 'x'.repeat(2000))))
    t.ok(await resolve('did:op:' + fine.slice(2), ctx()), 'a 2 kB DDO under a 4 kB bound is read')
  })

  t.test('no event, no DDO; a string that is no DID is not searched', async t => {
    const resolve = chainDdos({ client, metadata: ocean.metadata })
    calls.length = 0
    t.equal(await resolve('did:op:' + '12'.repeat(20), ctx()), undefined, 'a datatoken never published')
    t.equal(await resolve('did:op:' + '12'.repeat(20), ctx()), undefined, 'again')
    t.same(calls, ['eth_getLogs', 'eth_getLogs'], 'not remembered: an asset published a moment later is found')
    calls.length = 0
    for (const did of ['', 'did:op:', 'did:op:' + '12'.repeat(21), 'did:eth:' + '12'.repeat(20), 'did:op:0x' + '12'.repeat(20), '../etc/passwd']) {
      t.equal(await resolve(did, ctx()), undefined, JSON.stringify(did))
    }
    t.same(calls, [], 'no call')
  })

  t.test('events of another Metadata contract, or another datatoken, are not this DDO', async t => {
    const otherMetadata = await ocean.deploy(Metadata.abi, Metadata.bytecode)
    const datatoken = await ocean.datatoken()
    await ocean.send(accounts.publisher, otherMetadata, Metadata.abi, 'create', [datatoken, '0x01', compressDDO(ddoOf(datatoken, 'elsewhere'))])
    t.equal(await chainDdos({ client, metadata: ocean.metadata })('did:op:' + datatoken.slice(2), ctx()), undefined)
  })

  t.test('cacheSize bounds the DDOs kept', async t => {
    const [a, b] = [await ocean.datatoken(), await ocean.datatoken()]
    for (const token of [a, b]) await publish(token, '0x01', compressDDO(ddoOf(token, token)))
    const resolve = chainDdos({ client, metadata: ocean.metadata, cacheSize: 1 })
    await resolve('did:op:' + a.slice(2), ctx())
    await resolve('did:op:' + b.slice(2), ctx())
    calls.length = 0
    await resolve('did:op:' + b.slice(2), ctx())
    t.same(calls, [], 'the latest is kept')
    await resolve('did:op:' + a.slice(2), ctx())
    t.same(calls, ['eth_getLogs'], 'the older one was dropped')
  })

  t.test('a known event gone from its block (a reorg): searched again from the start', async t => {
    const datatoken = await ocean.datatoken()
    await publish(datatoken, '0x01', compressDDO(ddoOf(datatoken, 'kept')))
    let forget = false
    const searches: unknown[] = []
    const reorged: ChainClient = {
      request: async args => {
        searches.push((args.params as [{ fromBlock: string }])[0].fromBlock)
        if (forget) { forget = false; return [] }
        return await real.request(args as never)
      }
    }
    const resolve = chainDdos({ client: reorged, metadata: ocean.metadata, ttl: 0, fromBlock: 1 })
    await resolve('did:op:' + datatoken.slice(2), ctx())
    forget = true
    t.equal((await resolve('did:op:' + datatoken.slice(2), ctx()) as ReturnType<typeof ddoOf>).service[0]!.attributes.main.name, 'kept')
    t.equal(searches[0], '0x1', 'the first search from fromBlock')
    t.not(searches[1], '0x1', 'then from the event\'s block')
    t.equal(searches[2], '0x1', 'and, that finding nothing, from fromBlock again')
  })

  t.test('an event with an ABI that is no (bytes, bytes) is the node\'s garbage: a 503', async t => {
    const garbage: ChainClient = { request: async () => [{ blockNumber: '0x1', logIndex: '0x0', data: '0x1234' }] }
    await t.rejects(chainDdos({ client: garbage, metadata: ocean.metadata })('did:op:' + '12'.repeat(20), ctx()), { code: 'FST_COMPUTE_CHAIN_UNAVAILABLE', statusCode: 503 })
  })
}

t.test('a search cut off at its deadline is a timeout even when the clock is behind the timers (CI saw "could not be read")', async t => {
  const hanging = chainDdos({ client: { request: async () => await new Promise(() => {}) }, metadata: '0x' + '34'.repeat(20), timeout: 100 })
  const pending = hanging('did:op:' + '12'.repeat(20), ctx())
  // A Node timer may fire a little before Date.now() reaches its deadline; here, by 50 ms.
  const now = Date.now
  Date.now = () => now() - 50
  t.teardown(() => { Date.now = now })
  await t.rejects(pending, { code: 'FST_COMPUTE_CHAIN_UNAVAILABLE', message: 'The chain did not answer in time to read the asset\'s DDO.' })
})

t.test('an RPC node that is down, slow or answers garbage: a 503 within the bound', async t => {
  const did = 'did:op:' + '12'.repeat(20)
  const metadata = '0x' + '34'.repeat(20)
  await t.rejects(chainDdos({ rpcUrl: `http://127.0.0.1:${await freePort()}`, metadata })(did, ctx()), {
    code: 'FST_COMPUTE_CHAIN_UNAVAILABLE', statusCode: 503, message: 'The chain could not be read for the asset\'s DDO.'
  }, 'nothing listens')
  for (const [what, answer] of [['no list', { logs: [] }], ['a log without a block', [{ logIndex: '0x0', data: '0x' }]], ['a removed log', [{ blockNumber: '0x1', logIndex: '0x0', data: '0x', removed: true }]]] as const) {
    await t.rejects(chainDdos({ client: { request: async () => answer }, metadata })(did, ctx()), { code: 'FST_COMPUTE_CHAIN_UNAVAILABLE' }, what)
  }
  const started = Date.now()
  await t.rejects(chainDdos({ client: { request: async () => await new Promise(() => {}) }, metadata, timeout: 200 })(did, ctx()), {
    code: 'FST_COMPUTE_CHAIN_UNAVAILABLE', message: 'The chain did not answer in time to read the asset\'s DDO.'
  }, 'a node that never answers')
  t.ok(Date.now() - started < 5000, 'cut off at the timeout')
  const caller = new AbortController()
  setTimeout(() => { caller.abort() }, 50)
  await t.rejects(chainDdos({ client: { request: async () => await new Promise(() => {}) }, metadata })(did, { signal: caller.signal }), { code: 'FST_COMPUTE_CHAIN_UNAVAILABLE' }, 'or at the caller\'s signal')
})
