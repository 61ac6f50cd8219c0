import { createServer as createHttpServer, type IncomingMessage, type ServerResponse } from 'node:http'
import { createServer as createNetServer, type Server } from 'node:net'
import { once } from 'node:events'
import type { AddressInfo, Socket } from 'node:net'

/** How the fault server answers. */
export type Fault =
  | 'ok' // 200 []
  | 'hang' // reads the request, never answers
  | 'stall' // sends headers and one byte of a longer body, then nothing
  | 'error500' // 500
  | 'not-json' // 200 with a body that is not JSON
  | 'not-a-list' // 200 with a JSON object
  | 'empty' // 200 with an empty body
  | 'not-http' // bytes that are not an HTTP answer
  | 'huge' // 200 with a chunked body of 64 KiB
  | 'huge-declared' // 200 announcing 9 MiB
  | 'reset' // resets the connection instead of answering
  | 'reset-mid-body' // sends part of the body, then closes the connection
  | 'reject' // 403 { error }
  | 'reject-text' // 404 with a text body
  | 'early-hints' // 103 (announcing a body too long for maxResponseSize), then 200 []
  | 'error500-long' // 500 with a chunked error page of 256 KiB
  | 'bom' // 200 [] after a byte-order mark
  | 'proto' // 200 with a job that carries a __proto__ key
  | 'proto-escaped' // the same, the key spelled with a \u escape
  | 'constructor-prototype' // 200 with a job that carries constructor.prototype

export const REJECTION = 'Quota of the provider exceeded.'

async function listening (server: Server): Promise<number> {
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  return (server.address() as AddressInfo).port
}

function answer (fault: Fault, req: IncomingMessage, res: ServerResponse): void {
  const json = (status: number, body: unknown) => { res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body)) }
  switch (fault) {
    case 'ok': json(200, []); break
    case 'hang': break
    case 'stall': res.writeHead(200, { 'content-length': '100' }).write('['); break
    case 'error500': json(500, { error: 'Internal error at http://10.0.0.7:8050 (token s3cr3t)' }); break
    case 'not-json': res.writeHead(200, { 'content-type': 'text/html' }).end('<html>Bad gateway</html>'); break
    case 'not-a-list': json(200, { jobs: [] }); break
    case 'empty': res.writeHead(200, { 'content-type': 'application/json' }).end(); break
    case 'not-http': req.socket.end('SSH-2.0-OpenSSH_9.6\r\n'); break
    case 'huge':
      // Several writes: chunked, so only counting tells the size.
      res.writeHead(200, { 'content-type': 'application/json' }).write('[')
      for (let i = 0; i < 16; i++) res.write('"x",'.repeat(1024))
      res.end('"x"]')
      break
    case 'huge-declared': res.writeHead(200, { 'content-length': String(9 * 1024 * 1024) }).write('['); break
    case 'reset': req.socket.resetAndDestroy(); break
    case 'reset-mid-body': res.writeHead(200, { 'content-length': '100' }).write('[', () => req.socket.destroy()); break
    case 'reject': json(403, { error: REJECTION }); break
    case 'reject-text': res.writeHead(404, { 'content-type': 'text/plain' }).end('Not Found'); break
    case 'early-hints':
      // Written raw: Node's writeEarlyHints sends no content-length.
      req.socket.write('HTTP/1.1 103 Early Hints\r\nlink: </style.css>; rel=preload\r\ncontent-length: 999999999\r\n\r\n')
      json(200, [])
      break
    case 'error500-long':
      res.writeHead(500, { 'content-type': 'text/html' })
      for (let i = 0; i < 64; i++) res.write('x'.repeat(4096))
      res.end()
      break
    case 'bom': res.writeHead(200, { 'content-type': 'application/json' }).end('\uFEFF[]'); break
    case 'proto': res.end('[{"jobId":"a","status":70,"statusText":"done","__proto__":{"polluted":1}}]'); break
    case 'proto-escaped': res.end('[{"jobId":"a","status":70,"statusText":"done","\\u005f_proto__":{"polluted":1}}]'); break
    case 'constructor-prototype': res.end('[{"jobId":"a","status":70,"statusText":"done","constructor":{"prototype":{"polluted":1}}}]'); break
  }
}

/**
 * An operator-service that misbehaves on demand, on 127.0.0.1. Each request takes
 * the next fault of `script`, then `fault` once the script is used up.
 */
export class FaultServer {
  fault: Fault = 'ok'
  script: Fault[] = []
  requests = 0
  connections = 0
  /** Connections that have closed, from either side. */
  closed = 0
  url = ''
  private readonly server = createHttpServer((req, res) => {
    this.requests++
    const fault = this.script.shift() ?? this.fault
    // Answer only once the request is in, as a real server would.
    req.resume().once('end', () => answer(fault, req, res))
  })

  async listen (): Promise<this> {
    this.server.on('connection', socket => {
      this.connections++
      socket.once('close', () => { this.closed++ })
    })
    this.url = `http://127.0.0.1:${await listening(this.server)}/`
    return this
  }

  async close (): Promise<void> {
    this.server.closeAllConnections()
    this.server.close()
    await once(this.server, 'close')
  }
}

export async function faultServer (): Promise<FaultServer> {
  return await new FaultServer().listen()
}

/** A TCP server that accepts connections and never says a word: a TLS handshake with it never ends. */
export async function silentServer (): Promise<{ port: number, close: () => Promise<void> }> {
  const sockets = new Set<Socket>()
  const server = createNetServer(socket => {
    sockets.add(socket.resume())
    socket.once('close', () => sockets.delete(socket))
  })
  const port = await listening(server)
  return {
    port,
    async close () {
      for (const socket of sockets) socket.destroy()
      server.close()
      await once(server, 'close')
    }
  }
}

/** A port on 127.0.0.1 that nothing listens on. */
export async function closedPort (): Promise<number> {
  const server = createNetServer()
  const port = await listening(server)
  server.close()
  await once(server, 'close')
  return port
}
