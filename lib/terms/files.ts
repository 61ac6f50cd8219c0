import { createRequire } from 'node:module'
import type { Config } from 'eciesjs/config'
import { pythonJson } from './checksums.js'

// `encryptedFiles` as the reference provider writes and reads it (utils/encryption.py):
// ECIES on secp256k1 by eciespy (an ephemeral uncompressed public key, HKDF-SHA256, then
// AES-256-GCM with a 16-byte nonce and the tag before the ciphertext), in hex with 0x.
// eciesjs is its JavaScript counterpart, byte for byte (test/terms/files.test.ts
// decrypts a ciphertext made by eciespy's code).

interface Ecies { ecies: typeof import('eciesjs'), config: Config }
let loaded: Ecies | undefined

// eciesjs (and its curves) load at the first use, not with the plugin: about a fifth of
// the plugin's import time, which a host without the terms never needs. It is CommonJS,
// so require keeps this synchronous. eciespy's format is spelled out: eciesjs's defaults
// live in a global (ECIES_CONFIG) that any other code in the process may change.
function eciesjs (): Ecies {
  if (loaded === undefined) {
    const require = createRequire(import.meta.url)
    const { Config } = require('eciesjs/config') as typeof import('eciesjs/config')
    loaded = {
      ecies: require('eciesjs') as typeof import('eciesjs'),
      config: Object.freeze(Object.assign(new Config(), {
        ellipticCurve: 'secp256k1',
        isEphemeralKeyCompressed: false,
        isHkdfKeyCompressed: false,
        symmetricAlgorithm: 'aes-256-gcm',
        symmetricNonceLength: 16
      } as const))
    }
  }
  return loaded
}

const HEX = /^(?:0x)?((?:[0-9a-fA-F]{2})+)$/

/** A file of an asset as its publisher describes it: the URL and anything else (index, contentType, ...). */
export interface AssetFile {
  url: string
  [key: string]: unknown
}

function fromHex (text: string): Uint8Array | undefined {
  const match = HEX.exec(text)
  return match === null ? undefined : Buffer.from(match[1]!, 'hex')
}

/**
 * The URLs of `encryptedFiles`, decrypted with the provider's key (32 bytes, hex); undefined
 * when they do not decrypt with it or are not a list of files with URLs (spec 6.1: the asset
 * is not served by this provider). `{"encryptedDocument": ...}`, as some publishers wrote
 * it, is read as the provider reads it.
 */
export function decryptFileUrls (encryptedFiles: string, privateKey: Uint8Array): string[] | undefined {
  let text = encryptedFiles
  try {
    if (text.startsWith('{')) text = String((JSON.parse(text) as { encryptedDocument?: unknown }).encryptedDocument)
    const bytes = fromHex(text)
    if (bytes === undefined) return undefined
    const { ecies, config } = eciesjs()
    const files: unknown = JSON.parse(Buffer.from(ecies.decrypt(privateKey, bytes, config)).toString('utf8'))
    if (!Array.isArray(files) || files.length === 0) return undefined
    const urls = files.map(file => (file as Partial<AssetFile> | null)?.url)
    return urls.every(url => typeof url === 'string' && url !== '') ? urls as string[] : undefined
  } catch {
    return undefined
  }
}

/**
 * For publishers: `files` encrypted for a provider, as its `POST /api/v1/services/encrypt`
 * answers them (the JSON as Python's json.dumps writes it, ECIES, hex with 0x): the DDO's
 * `encryptedFiles`. `providerPublicKey`: the provider's secp256k1 public key in hex
 * (64 bytes as Ethereum writes it, or 65 or 33 bytes with their prefix).
 */
export function encryptFiles (files: AssetFile[], providerPublicKey: string): `0x${string}` {
  const key = fromHex(providerPublicKey)
  if (key === undefined) throw new TypeError('providerPublicKey must be a secp256k1 public key in hex')
  const full = key.length === 64 ? Buffer.concat([Buffer.from([4]), key]) : key
  const { ecies, config } = eciesjs()
  return `0x${Buffer.from(ecies.encrypt(full, Buffer.from(pythonJson(files), 'utf8'), config)).toString('hex')}`
}
