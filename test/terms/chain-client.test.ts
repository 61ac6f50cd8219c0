import { once } from 'node:events'
import { createServer, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { Readable } from 'node:stream'
import t, { type Test } from 'tap'
import { chainDdos, chainOrders, type OrderToCheck } from '../../lib/index.js'

const ctx = () => ({ signal: new AbortController().signal })
const MiB = 1024 * 1024
const did = 'did:op:' + '12'.repeat(20)
const metadata = '0x' + '34'.repeat(20)
const order: OrderToCheck = {
  txId: '0x' + 'ab'.repeat(32), did, datatoken: `0x${'12'.repeat(20)}`, serviceIndex: 0, consumer: `0x${'ef'.repeat(20)}`, cost: '1', timeout: 0
}

/**
 * A JSON-RPC node on 127.0.0.1 whose every answer is a JSON-RPC result of `size` bytes,
 * streamed in 64 KiB chunks as the client reads them (with its length declared when
 * `declared`); it counts the bytes each answer got out before the client hung up.
 */
async function hugeNode (t: Test, size: number, declared = false) {
  const sent: number[] = []
  const server = createServer((req, res) => {
    req.resume()
    req.on('end', () => { stream(res) })
  })
  function stream (res: ServerResponse) {
    res.writeHead(200, { 'content-type': 'application/json', ...(declared ? { 'content-length': size } : {}) })
    const index = sent.push(0) - 1
    const chunk = Buffer.alloc(64 * 1024, '0')
    // Pulled only as the client reads: pipe() stops when it hangs up.
    Readable.from((function * () {
      const head = '{"jsonrpc":"2.0","id":1,"result":"0x'
      const tail = '"}'
      yield head
      sent[index] = head.length
      for (; sent[index]! + chunk.length + tail.length <= size; sent[index] += chunk.length) yield chunk
      yield '0'.repeat(size - sent[index]! - tail.length) + tail
    })()).pipe(res)
  }
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  t.teardown(() => { server.closeAllConnections(); server.close() })
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, sent }
}

t.test('an answer over maxResponseBytes is a 503, and the provider stops reading it', async t => {
  const node = await hugeNode(t, 512 * MiB)
  await t.rejects(chainDdos({ rpcUrl: node.url, metadata, maxResponseBytes: MiB })(did, ctx()), {
    code: 'FST_COMPUTE_CHAIN_UNAVAILABLE', statusCode: 503, message: 'The chain could not be read for the asset\'s DDO.'
  }, 'a DDO search')
  await t.rejects(chainOrders({ rpcUrl: node.url, confirmations: 0, maxResponseBytes: MiB }).verify(order, ctx()), {
    code: 'FST_COMPUTE_CHAIN_UNAVAILABLE', statusCode: 503, message: 'The chain could not be read to check the order.'
  }, 'a receipt')
  // What the kernel's socket buffers took before the client hung up, no more: a few MB of 512.
  t.ok(node.sent.length >= 2 && node.sent.every(bytes => bytes < 64 * MiB), `the answers were cut off: ${node.sent.join(', ')} bytes sent`)
})

t.test('the default bound, 8 MiB, refuses an answer of 512 MiB', async t => {
  const node = await hugeNode(t, 512 * MiB)
  await t.rejects(chainOrders({ rpcUrl: node.url, confirmations: 0 }).verify(order, ctx()), { code: 'FST_COMPUTE_CHAIN_UNAVAILABLE' })
  t.ok(node.sent[0]! < 64 * MiB, `cut off after ${node.sent[0]} bytes`)
})

t.test('an answer that declares a length over the bound is refused before its body is read', async t => {
  const node = await hugeNode(t, 512 * MiB, true)
  await t.rejects(chainDdos({ rpcUrl: node.url, metadata, maxResponseBytes: MiB })(did, ctx()), { code: 'FST_COMPUTE_CHAIN_UNAVAILABLE' })
  t.ok(node.sent[0]! < 64 * MiB, `cut off after ${node.sent[0]} bytes`)
})

t.test('an answer within maxResponseBytes is read', async t => {
  // 4 KiB of hex where a list of logs belongs: read whole, then refused as no list (not cut off).
  const node = await hugeNode(t, 4096)
  const answer = chainDdos({ rpcUrl: node.url, metadata, maxResponseBytes: 4096 })(did, ctx())
  await t.rejects(answer, { code: 'FST_COMPUTE_CHAIN_UNAVAILABLE' })
  t.match(String(((await answer.catch((err: Error) => err)) as Error).cause), /eth_getLogs answered something other than a list/, 'parsed, then judged')
  await t.rejects(chainDdos({ rpcUrl: node.url, metadata, maxResponseBytes: 4095 })(did, ctx()), { cause: { name: 'ResponseBodyTooLargeError' } }, 'one byte less: refused')
})

t.test('maxResponseBytes is checked, and never silently ignored', async t => {
  t.throws(() => chainDdos({ rpcUrl: 'http://x', metadata, maxResponseBytes: 0 }), { code: 'FST_COMPUTE_INVALID_OPTION', message: /chainDdos: maxResponseBytes must be a positive integer/ })
  t.throws(() => chainOrders({ rpcUrl: 'http://x', maxResponseBytes: 1.5 }), { message: /chainOrders: maxResponseBytes must be a positive integer/ })
  t.throws(() => chainOrders({ client: { request: async () => null }, maxResponseBytes: MiB }), {
    code: 'FST_COMPUTE_INVALID_OPTION', message: /chainOrders: maxResponseBytes bounds the answers of rpcUrl; a client's own transport bounds its answers/
  })
})
