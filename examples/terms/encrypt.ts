// POST /api/v1/services/encrypt as the reference provider v0.4.x serves it (routes/consume.py
// `encrypt`): a publisher's client sends `{ documentId, document, publisherAddress }` (the
// document is JSON text: the file list), and gets `201 { "encryptedDocument": "0x..." }`,
// the document as Python's json.dumps writes it, ECIES-encrypted for this provider's key:
// the DDO's `encryptedFiles`.
import type { FastifyInstance } from 'fastify'
import { encryptFiles, type AssetFile } from 'fastify-ocean-compute'

const EncryptBody = {
  type: 'object',
  required: ['documentId', 'document', 'publisherAddress'],
  properties: {
    documentId: { type: 'string', maxLength: 256, description: 'Identifier of the asset to be registered in ocean.' },
    document: { type: 'string', maxLength: 65536, description: 'The JSON text to encrypt: the asset\'s file list.' },
    publisherAddress: { type: 'string', pattern: '^0x[0-9a-fA-F]{40}$', description: 'Publisher address.' }
  }
} as const

export function encryptRoute (app: FastifyInstance, prefix: string, publicKey: string): void {
  app.post(`${prefix}/encrypt`, {
    schema: { summary: 'Encrypt an asset\'s file URLs for this provider (a publisher\'s encryptedFiles)', tags: ['provider'], body: EncryptBody }
  }, async (request, reply) => {
    const { document } = request.body as { document: string }
    let files: unknown
    try {
      files = JSON.parse(document)
    } catch {
      return await reply.code(400).send({ error: 'document must be JSON text.' })
    }
    return await reply.code(201).send({ encryptedDocument: encryptFiles(files as AssetFile[], publicKey) })
  })
}
