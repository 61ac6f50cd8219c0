import t from 'tap'
import { createHmac } from 'node:crypto'
import { PassThrough } from 'node:stream'
import { text } from 'node:stream/consumers'
import { dockerOperator, localOperator } from '../../lib/index.js'
import { TokenIssuer } from '../../lib/modern/token.js'
import { sliced } from '../../lib/modern/range.js'
import { JobBook, toNodeJob } from '../../lib/modern/jobs.js'
import { signedForms } from '../../lib/modern/signature.js'
import { viemBackend, recoveryBackend } from '../../lib/verifier/recover.js'
import { alice } from '../helpers/sign.js'
import { commandHash } from './helpers.js'

const SECRET = Buffer.alloc(32, 7)
const claims = { address: alice.address, nonce: '1', createdAt: 0, exp: Math.floor(Date.now() / 1000) + 60 }

t.test('tokens: only this issuer\'s, unexpired, HS256, with an address', async t => {
  const issuer = new TokenIssuer(SECRET)
  const token = issuer.issue(claims)
  t.same(issuer.read(token), claims)
  t.equal(issuer.read(token, (claims.exp + 1) * 1000), undefined, 'expired')
  t.equal(new TokenIssuer(Buffer.alloc(32, 8)).read(token), undefined, 'another secret')
  const [header, payload, mac] = token.split('.') as [string, string, string]
  const none = Buffer.from(JSON.stringify({ alg: 'none', typ: 'JWT' })).toString('base64url')
  t.equal(issuer.read(`${none}.${payload}.`), undefined, 'alg none')
  const forge = (body: string) => {
    const signed = `${header}.${Buffer.from(body).toString('base64url')}`
    return `${signed}.${createHmac('sha256', SECRET).update(signed).digest('base64url')}`
  }
  t.equal(issuer.read(forge('not json')), undefined, 'a payload that is no JSON, even signed')
  t.equal(issuer.read(forge(JSON.stringify({ ...claims, address: 'alice' }))), undefined, 'no address')
  t.equal(issuer.read(forge(JSON.stringify({ ...claims, exp: '9999999999' }))), undefined, 'no numeric exp')
  t.equal(issuer.read(forge('null')), undefined)
  t.equal(issuer.read(`${header}.${payload}`), undefined, 'no signature part')
  t.equal(issuer.read(`${token}.extra`), undefined, 'a fourth part')
  t.equal(issuer.read(`${header}.${payload}.${mac.slice(0, -4)}`), undefined, 'a short signature')
  t.equal(issuer.read(token + 'x'.repeat(1024)), undefined, 'too long to be ours')
})

t.test('a slice of a stream passes its errors on and stops reading when it is closed', async t => {
  const source = new PassThrough()
  const out = sliced(source, 2, undefined)
  source.end(Buffer.from('abcdef'))
  t.equal(await text(out), 'cdef')
  const failing = new PassThrough()
  const cut = sliced(failing, 0, 3)
  const failed = new Promise(resolve => cut.on('error', resolve))
  failing.destroy(new Error('disk gone'))
  t.match(await failed, { message: 'disk gone' })
  const reader = new PassThrough()
  sliced(reader, 0, undefined).destroy()
  await new Promise(resolve => setImmediate(resolve))
  t.ok(reader.destroyed, 'closing the slice closes its source')
})

t.test('jobs: the v0.4 codes that differ are mapped, others kept, unknown jobs get no rights', async t => {
  const book = new JobBook(2)
  const terms = { owner: alice.address, environment: 'e', maxJobDuration: 1, resources: [], metadata: null, additionalViewers: [], queueMaxWaitTime: 0 }
  book.add('a', terms)
  book.add('b', terms)
  book.add('c', terms)
  t.equal(book.get('a'), undefined, 'the oldest is forgotten past the size')
  t.equal(book.get('c'), terms)

  const started = toNodeJob({ jobId: 'x', status: 10, statusText: 'Job started', owner: alice.address }, undefined)
  t.match(started, { status: 0, statusText: 'Job started', owner: alice.address, environment: '', additionalViewers: [], dateCreated: '0', did: null, isFree: true })
  const odd = toNodeJob({ jobId: 'x', status: 99, statusText: 'Odd', agreementId: '0xabc', results: [{ type: 'algorithmLog' }], dateCreated: 1.5, dateFinished: 2 }, undefined)
  t.match(odd, { status: 99, statusText: 'Odd', owner: '', isFree: false, dateCreated: '1.5', dateFinished: '2', results: [{ filename: 'result-0', filesize: 0, type: 'algorithmLog', index: 0 }] })
})

t.test('signed forms: the hash without its leading zero bytes, its hex text, and all 32 bytes when they differ', async t => {
  let nonce = 0
  while (commandHash(`m${nonce}`)[0] !== 0) nonce++
  const forms = signedForms(`m${nonce}`)
  t.equal(forms.length, 3)
  t.equal((forms[0] as Uint8Array).length, 31)
  t.match(forms[1], /^0x00[0-9a-f]{62}$/)
  t.equal((forms[2] as Uint8Array).length, 32)
  t.equal(signedForms('m').length, commandHash('m')[0] === 0 ? 3 : 2)
})

t.test('both recovery backends recover a signature of raw bytes alike', async t => {
  const raw = commandHash('hello')
  const signature = await alice.signMessage({ message: { raw } })
  t.equal(await recoveryBackend().recover(raw, signature), alice.address.toLowerCase())
  t.equal(await viemBackend.recover(raw, signature), alice.address.toLowerCase())
  t.equal(await recoveryBackend().recover(raw.subarray(1), signature) === alice.address.toLowerCase(), false, 'other bytes, another signer')
})

t.test('the engines describe their environment: what a job gets, its time, a free tier open to anyone', async t => {
  const local = localOperator({ dataDir: '/tmp/unused-foc-env', maxJobSeconds: 30, maxConcurrentJobs: 3, maxOutputBytes: 1024 ** 3 / 2 })
  const [env] = local.environments()
  t.match(env, {
    id: 'local',
    consumerAddress: '',
    fees: {},
    maxJobDuration: 30,
    maxJobs: 3,
    access: { addresses: [], accessLists: null },
    free: { maxJobDuration: 30, maxJobs: 3, access: { addresses: [] } }
  })
  t.same(env!.resources.find(r => r.id === 'disk'), { id: 'disk', total: 0.5, min: 0, max: 0.5 })
  t.equal(env!.resources.find(r => r.id === 'cpu')!.max, env!.resources.find(r => r.id === 'cpu')!.total, 'a process may use every cpu')
  await local.close()
  const warnings: string[] = []
  const docker = dockerOperator({ dataDir: '/tmp/unused-foc-env-docker', socketPath: '/nonexistent/docker.sock', cpus: 0.5, memoryBytes: 256 * 1024 * 1024, log: { warn: (_o, msg) => { warnings.push(msg) } } })
  const [container] = docker.environments()
  t.match(container, { id: 'container', free: { maxJobDuration: 600 } })
  t.match(container!.resources, [{ id: 'cpu', max: 0.5, min: 0.5 }, { id: 'ram', max: 0.25 }, { id: 'disk' }])
  await docker.close()
})
