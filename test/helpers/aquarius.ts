import { createServer, type ServerResponse } from 'node:http'
import { once } from 'node:events'
import type { AddressInfo } from 'node:net'

/**
 * A stand-in for Aquarius v3 on 127.0.0.1, answering `GET /api/v1/aquarius/assets/ddo/<did>`
 * as its source does (oceanprotocol/aquarius, aquarius/app/assets.py `get_ddo`):
 * - v3.0.2 to v3.1.4 (`version: '3.1'`, the default): a found DDO is Flask returning
 *   `json.dumps(record)`, so 200 with `Content-Type: text/html; charset=utf-8`; an unknown
 *   one 404 `{"error": "Asset DID <did> not found in Elasticsearch."}` as JSON.
 * - v3.0.0 and v3.0.1 (`version: '3.0'`): 200 `application/json`; 404 as plain text
 *   `<did> asset DID is not in OceanDB`.
 * `fault` makes every answer one of the failures a resolver must survive.
 */
export class AquariusStandIn {
  readonly ddos = new Map<string, string>()
  readonly paths: string[] = []
  url = ''
  version: '3.0' | '3.1' = '3.1'
  fault: 'hang' | 'garbage' | 'error' | 'huge' | undefined
  private readonly server = createServer((req, res) => { this.answer(req.url ?? '', res) })

  /** Publishes a DDO: stored as Python's json.dumps writes it (", " and ": "), keyed by its id. */
  publish (text: string): this {
    this.ddos.set((JSON.parse(text) as { id: string }).id, text)
    return this
  }

  private answer (path: string, res: ServerResponse): void {
    this.paths.push(path)
    if (this.fault === 'hang') return
    if (this.fault === 'error') return this.send(res, 500, 'text/html; charset=utf-8', '<h1>Internal Server Error</h1>')
    if (this.fault === 'garbage') return this.send(res, 200, 'text/html; charset=utf-8', '<!doctype html><title>Aquarius</title>')
    if (this.fault === 'huge') return this.send(res, 200, 'text/html; charset=utf-8', `{"id":"${'x'.repeat(2 * 1024 * 1024)}"}`)
    const prefix = '/api/v1/aquarius/assets/ddo/'
    const did = path.startsWith(prefix) ? decodeURIComponent(path.slice(prefix.length)) : ''
    const ddo = this.ddos.get(did)
    if (ddo !== undefined) return this.send(res, 200, this.version === '3.1' ? 'text/html; charset=utf-8' : 'application/json', ddo)
    if (this.version === '3.1') return this.send(res, 404, 'application/json', `{"error":"Asset DID ${did} not found in Elasticsearch."}\n`)
    this.send(res, 404, 'text/html; charset=utf-8', `${did} asset DID is not in OceanDB`)
  }

  private send (res: ServerResponse, status: number, type: string, body: string): void {
    res.writeHead(status, { 'content-type': type }).end(body)
  }

  async listen (): Promise<this> {
    this.server.listen(0, '127.0.0.1')
    await once(this.server, 'listening')
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`
    return this
  }

  async close (): Promise<void> {
    this.server.closeAllConnections()
    this.server.close()
    await once(this.server, 'close')
  }
}
