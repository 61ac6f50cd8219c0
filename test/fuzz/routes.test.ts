import t from 'tap'
import fc from 'fast-check'
import { build, PREFIX, COMPUTE_PATH } from '../helpers/build.js'
import { memoryNonceStore } from '../../lib/index.js'
import { alice, sign } from '../helpers/sign.js'

// FUZZ_RUNS=100000 npm run fuzz runs longer; CI keeps to a few thousand cases.
const RUNS = Number(process.env.FUZZ_RUNS ?? 2000)
// About 20 s of CPU: on a busy 2-core machine that took tap's default 60 s and more.
t.setTimeout(300_000)

const names = ['consumerAddress', 'signature', 'documentId', 'jobId', 'output', 'algorithmDid', 'algorithmMeta',
  'additionalInputs', 'transferTxId', 'serviceId', 'nonce', 'userAddress', 'index', '__proto__', 'constructor', 'serviceType']

const hex = (length: number) => fc.stringMatching(new RegExp(`^[0-9a-fA-F]{${length}}$`))
const value = fc.oneof(
  fc.string(),
  fc.string({ unit: 'grapheme' }),
  fc.constantFrom('', 'undefined', 'null', '[]', '{}', '{"__proto__":{"x":1}}', '{"rawcode":', '1e309', '0x', alice.address, alice.address.toLowerCase()),
  hex(40).map(h => '0x' + h),
  fc.integer({ min: 0, max: 200 }).chain(n => hex(n)).map(h => '0x' + h),
  fc.json({ maxDepth: 12 }),
  fc.jsonValue({ maxDepth: 4 }).map(v => JSON.stringify(v))
)
const params = fc.dictionary(fc.oneof(fc.constantFrom(...names), fc.string()), value, { maxKeys: 8 })

const request = fc.record({
  method: fc.constantFrom('GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS', 'HEAD'),
  url: fc.constantFrom(COMPUTE_PATH, `${COMPUTE_PATH}/`, `${PREFIX}/nonce`, `${PREFIX}/computeResult`, `${COMPUTE_PATH}?`, `${COMPUTE_PATH}?a=%E0%A4%A`, `${COMPUTE_PATH}?consumerAddress[]=x`),
  query: fc.option(params, { nil: undefined }),
  body: fc.oneof(
    fc.constant(undefined),
    params.map(p => JSON.stringify(p)),
    fc.jsonValue({ maxDepth: 20 }).map(v => JSON.stringify(v)),
    fc.string(),
    fc.uint8Array({ maxLength: 64 }).map(bytes => Buffer.from(bytes))
  ),
  contentType: fc.constantFrom(undefined, 'application/json', 'application/json; charset=utf-8', 'text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'application/octet-stream', '*/*;;')
})

// Requests that are valid but for one or two fields, so that the fuzzer reaches the
// signature check, the workflow and the operator, not only validation.
const signed = (signature: string) => fc.record({
  method: fc.constantFrom('GET', 'POST', 'PUT', 'DELETE'),
  mutations: fc.dictionary(fc.constantFrom(...names), value, { maxKeys: 2 }),
  asBody: fc.boolean()
}).map(({ method, mutations, asBody }) => ({
  method,
  asBody,
  params: { consumerAddress: alice.address, signature, output: '{}', algorithmMeta: '{"rawcode":"x"}', ...mutations }
}))

t.test('a valid request with a field or two changed never gets a 5xx', async t => {
  const { app, operator } = await build()
  t.teardown(() => app.close())
  const signature = await sign(alice)
  const codes = new Set<number>()
  await fc.assert(fc.asyncProperty(signed(signature), async ({ method, asBody, params }) => {
    const res = await app.inject({ method: method as 'GET', url: COMPUTE_PATH, ...(asBody && method !== 'GET' ? { payload: params } : { query: params as Record<string, string> }) })
    codes.add(res.statusCode)
    if (res.statusCode !== 200 && !(res.statusCode >= 400 && res.statusCode < 500 && typeof res.json().error === 'string')) {
      throw new Error(`${res.statusCode} ${res.body}`)
    }
  }), { numRuns: RUNS })
  t.ok(codes.has(200) && codes.has(400) && codes.has(401), `reached success and both refusals: ${[...codes].join(', ')}`)
  t.ok(operator.calls.some(call => call.method === 'start'), 'reached the operator')
})

t.test('any request gets 200 or a 4xx with a JSON error, never a 5xx, and the server keeps serving', async t => {
  const { app } = await build({ nonceStore: memoryNonceStore() })
  t.teardown(() => app.close())
  await fc.assert(fc.asyncProperty(request, async ({ method, url, query, body, contentType }) => {
    const res = await app.inject({
      method: method as 'GET',
      url,
      query: query as Record<string, string> | undefined,
      ...(body === undefined || method === 'GET' || method === 'HEAD' ? {} : { payload: body }),
      headers: contentType === undefined ? {} : { 'content-type': contentType }
    })
    if (res.statusCode >= 500) throw new Error(`${res.statusCode} ${res.body}`)
    if (res.statusCode >= 400 && method !== 'HEAD') {
      const answer = res.json() as { error?: unknown }
      if (typeof answer.error !== 'string') throw new Error(`no JSON error: ${res.body}`)
    }
  }), { numRuns: RUNS })

  const res = await app.inject({ method: 'GET', url: COMPUTE_PATH, query: { consumerAddress: alice.address, signature: await sign(alice) } })
  t.equal(res.statusCode, 200, 'a normal request still works')
})
