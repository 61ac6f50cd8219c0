import t, { type Test } from 'tap'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { readFileSync } from 'node:fs'
import Fastify from 'fastify'
import compute, { aquariusResolver, cachedResolver, folderResolver, hostResolver, type DDO, type DdoResolver } from '../../lib/index.js'
import { containerSectionChecksum } from '../../lib/terms/checksums.js'
import { COMPUTE_PATH, PREFIX } from '../helpers/build.js'
import { MemoryOperator } from '../helpers/memory-operator.js'
import { alice, sign } from '../helpers/sign.js'
import { AquariusStandIn } from '../helpers/aquarius.js'
import { CONTAINER, DATASET_DID, PROVIDER_KEY, SECOND_DID, dataset } from '../helpers/ddos.js'

const ctx = () => ({ signal: new AbortController().signal })
const FIXTURE = readFileSync(new URL('./fixtures/algorithm-ddo.json', import.meta.url), 'utf8')
const FIXTURE_DID = 'did:op:a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1'
// The container checksum python3 printed for the fixture (checksums.test.ts).
const FIXTURE_CONTAINER_CHECKSUM = '405ef0597f08fa0d775420a97ad3049fb40c360dfeb073d49d6d4a153e02384f'
// As Aquarius stores and answers it: Python's json.dumps with its default separators.
const AS_AQUARIUS = (ddo: unknown) => JSON.stringify(ddo).replace(/","/g, '", "')

async function aquarius (t: Test): Promise<AquariusStandIn> {
  const standIn = await new AquariusStandIn().listen()
  t.teardown(() => standIn.close())
  return standIn
}

t.test('Aquarius v3.0.2-3.1.4: a DDO answered as text/html is read, with what the checksums need', async t => {
  const standIn = (await aquarius(t)).publish(FIXTURE)
  const resolver = aquariusResolver({ url: standIn.url })
  const ddo = await resolver(FIXTURE_DID, ctx()) as unknown as { service: Array<{ attributes: { main: { algorithm: { container: unknown } } } }> }
  t.equal(containerSectionChecksum(ddo.service[0]!.attributes.main.algorithm.container), FIXTURE_CONTAINER_CHECKSUM)
  t.equal(await resolver(SECOND_DID, ctx()), undefined, 'a 404 with its JSON error is "not found"')
  t.same(standIn.paths, [`/api/v1/aquarius/assets/ddo/${FIXTURE_DID}`, `/api/v1/aquarius/assets/ddo/${SECOND_DID}`])
})

t.test('Aquarius v3.0.0-3.0.1: JSON, and a plain-text 404', async t => {
  const standIn = (await aquarius(t)).publish(AS_AQUARIUS(dataset()))
  standIn.version = '3.0'
  const resolver = aquariusResolver({ url: `${standIn.url}/` })
  t.equal((await resolver(DATASET_DID, ctx()))?.id, DATASET_DID)
  t.equal(await resolver(SECOND_DID, ctx()), undefined)
})

t.test('Aquarius under a path keeps it; a DID that is no V3 DID is never sent', async t => {
  const standIn = (await aquarius(t)).publish(AS_AQUARIUS(dataset()))
  const resolver = aquariusResolver({ url: `${standIn.url}/meta` })
  t.equal(await resolver(DATASET_DID, ctx()), undefined, 'the stand-in lives at the root, so /meta/... is a 404')
  t.same(standIn.paths, [`/meta/api/v1/aquarius/assets/ddo/${DATASET_DID}`])
  for (const did of ['did:op:..', 'did:op:../../admin', `${DATASET_DID}?x=1`, `${DATASET_DID}#`, 'did:op:' + 'a'.repeat(64), '']) {
    t.equal(await resolver(did, ctx()), undefined, JSON.stringify(did))
  }
  t.equal(standIn.paths.length, 1)
})

t.test('Aquarius faults reject: an error status, garbage, a DDO longer than maxBytes, no server, no answer', async t => {
  const standIn = (await aquarius(t)).publish(AS_AQUARIUS(dataset()))
  const resolver = aquariusResolver({ url: standIn.url, maxBytes: 1024 * 1024 })
  for (const fault of ['error', 'garbage', 'huge'] as const) {
    standIn.fault = fault
    await t.rejects(resolver(DATASET_DID, ctx()), { name: 'Error' }, fault)
  }
  standIn.fault = 'hang'
  const controller = new AbortController()
  setTimeout(() => { controller.abort(new Error('time is up')) }, 100)
  await t.rejects(resolver(DATASET_DID, { signal: controller.signal }), { message: 'time is up' }, 'a hung Aquarius is left when the signal aborts')
  const closed = await aquarius(t)
  await closed.close()
  await t.rejects(aquariusResolver({ url: closed.url })(DATASET_DID, ctx()), Error, 'nothing listening')
})

t.test('aquariusResolver refuses a url that is no http(s) URL, naming it', async t => {
  for (const url of ['file:///etc', 'not a url', undefined]) {
    t.throws(() => aquariusResolver({ url } as never), { code: 'FST_COMPUTE_INVALID_OPTION', message: /aquariusResolver: url must be an http\(s\) URL/ })
  }
})

t.test('aquariusResolver refuses a maxBytes that is no positive integer, naming it (NaN turned the cap off, -1 refused every DDO)', async t => {
  for (const maxBytes of [Number.NaN, -1, 0, 1.5, Infinity, '1000']) {
    t.throws(() => aquariusResolver({ url: 'http://127.0.0.1:1', maxBytes } as never),
      { code: 'FST_COMPUTE_INVALID_OPTION', message: `aquariusResolver: maxBytes must be a positive integer, got ${String(maxBytes)}` }, String(maxBytes))
  }
})

t.test('through the plugin, Aquarius answers 400 for an unknown asset and 503 for its faults, within operatorTimeout', async t => {
  const standIn = (await aquarius(t)).publish(AS_AQUARIUS(dataset()))
  const app = Fastify()
  await app.register(compute, { prefix: PREFIX, operator: new MemoryOperator(), operatorTimeout: 300, terms: { resolver: aquariusResolver({ url: standIn.url }), privateKey: PROVIDER_KEY, cache: false } })
  t.teardown(() => app.close())
  const start = async (documentId: string) => await app.inject({
    method: 'POST',
    url: COMPUTE_PATH,
    payload: { consumerAddress: alice.address, signature: await sign(alice, { documentId }), documentId, transferTxId: '0xtx', serviceId: 1, output: {}, algorithmMeta: { rawcode: 'x', container: CONTAINER } }
  })
  t.equal((await start(DATASET_DID)).statusCode, 200)
  t.same((await start(SECOND_DID)).json(), { error: `Asset for did ${SECOND_DID} not found.` })
  for (const fault of ['error', 'garbage', 'huge'] as const) {
    standIn.fault = fault
    const res = await start(DATASET_DID)
    t.equal(res.statusCode, 503, fault)
    t.same(res.json(), { error: `The DDO of ${DATASET_DID} could not be read.` }, `${fault}: no URL, no detail`)
  }
  standIn.fault = 'hang'
  const began = performance.now()
  const res = await start(DATASET_DID)
  t.same(res.json(), { error: 'The data owner\'s terms could not be checked within 300 ms.' })
  t.ok(performance.now() - began < 3000)
})

t.test('hostResolver: a list, a Map or a record of DDOs, by id in any case', async t => {
  const ddo = dataset()
  for (const given of [[ddo, null, { no: 'id' }], new Map([['any key', ddo]]), { whatever: ddo }]) {
    const resolver = hostResolver(given as Iterable<unknown>)
    t.equal(await resolver(DATASET_DID.toUpperCase().replace('DID:OP:', 'did:op:'), ctx()), ddo)
    t.equal(await resolver(SECOND_DID, ctx()), undefined)
  }
})

t.test('folderResolver: the .json files of a folder, by their ids, read once; a broken file fails until it is fixed', async t => {
  const folder = await mkdtemp(join(tmpdir(), 'terms-ddos-'))
  t.teardown(() => rm(folder, { recursive: true, force: true }))
  await writeFile(join(folder, 'weather.json'), AS_AQUARIUS(dataset()))
  await writeFile(join(folder, 'algorithm.json'), FIXTURE)
  await writeFile(join(folder, 'notes.txt'), 'not a DDO')
  await writeFile(join(folder, 'broken.json'), '{')
  const resolver = folderResolver(folder)
  await t.rejects(resolver(DATASET_DID, ctx()), SyntaxError)
  await writeFile(join(folder, 'broken.json'), '{"id":"did:op:broken","service":[]}')
  t.equal((await resolver(DATASET_DID, ctx()))?.id, DATASET_DID)
  const algorithm = await resolver(FIXTURE_DID, ctx()) as unknown as { service: Array<{ attributes: { main: { algorithm: { container: unknown } } } }> }
  t.equal(containerSectionChecksum(algorithm.service[0]!.attributes.main.algorithm.container), FIXTURE_CONTAINER_CHECKSUM)
  await writeFile(join(folder, 'late.json'), AS_AQUARIUS(dataset({ token: '0x' + 'e'.repeat(40) })))
  t.equal(await resolver('did:op:' + 'e'.repeat(40), ctx()), undefined, 'read once: a file added later is not seen')
  await t.rejects(folderResolver(join(folder, 'absent'))(DATASET_DID, ctx()), { code: 'ENOENT' })
})

t.test('cachedResolver refuses a max or ttl that is no positive integer, naming it (with NaN the cache grew without bound)', async t => {
  for (const name of ['max', 'ttl']) {
    for (const value of [Number.NaN, -1, 0, 2.5, Infinity, '10']) {
      t.throws(() => cachedResolver(async () => undefined, { [name]: value }),
        { code: 'FST_COMPUTE_INVALID_OPTION', message: `cachedResolver: ${name} must be a positive integer, got ${String(value)}` }, `${name}: ${String(value)}`)
    }
  }
})

t.test('cachedResolver: found DDOs for ttl ms, at most max, least recently used out first; not found and faults never kept', async t => {
  const asked: string[] = []
  let fail = false
  const ddos = new Map<string, DDO>([['a', { id: 'a', service: [] }], ['b', { id: 'b', service: [] }], ['c', { id: 'c', service: [] }]])
  const source: DdoResolver = async did => {
    asked.push(did)
    if (fail) throw new Error('down')
    return ddos.get(did)
  }
  const resolver = cachedResolver(source, { max: 2, ttl: 100 })
  await resolver('a', ctx())
  await resolver('A', ctx())
  t.same(asked, ['a'], 'a DID in another case is the same')
  await resolver('b', ctx())
  await resolver('a', ctx()) // a is now the most recent
  await resolver('c', ctx()) // b goes
  await resolver('a', ctx())
  t.same(asked, ['a', 'b', 'c'])
  await resolver('b', ctx())
  t.same(asked, ['a', 'b', 'c', 'b'], 'b was dropped for the bound')
  await resolver('zz', ctx())
  await resolver('zz', ctx())
  t.same(asked.filter(did => did === 'zz'), ['zz', 'zz'], 'not found is asked again')
  await new Promise(resolve => setTimeout(resolve, 150))
  fail = true
  await t.rejects(resolver('b', ctx()), { message: 'down' }, 'past its ttl a DDO is asked again, and a fault is not hidden by a stale copy')
  fail = false
  t.equal((await resolver('b', ctx()))?.id, 'b')
  const defaults = cachedResolver(source)
  await defaults('a', ctx())
  await defaults('a', ctx())
  t.equal(asked.filter(did => did === 'a').length, 2, 'the default cache keeps it')
})
