import { createHmac, timingSafeEqual } from 'node:crypto'
import { ADDRESS_PATTERN } from '../../schemas/params.js'

/** What a token of the current wire says: who it was issued to, for which signed nonce, until when. */
export interface TokenClaims {
  address: string
  nonce: string
  /** Unix milliseconds. */
  createdAt: number
  /** Unix seconds (JWT's `exp`). */
  exp: number
}

// The one header this issuer writes and the only one it accepts: no `alg: none`, no other algorithm.
const HEADER = Buffer.from(JSON.stringify({ alg: 'HS256', typ: 'JWT' })).toString('base64url')
const ADDRESS = new RegExp(ADDRESS_PATTERN)
// A token this issuer wrote is ~260 characters; anything much longer is not one, and is not hashed.
const LONGEST = 1024

/**
 * Issues and reads the current wire's auth tokens: HS256 JWTs (ocean.js reads the
 * consumer's address from the `address` claim), signed with node:crypto's HMAC.
 */
export class TokenIssuer {
  readonly #secret: Buffer

  constructor (secret: Buffer) {
    this.#secret = secret
  }

  #mac (signed: string): Buffer {
    return createHmac('sha256', this.#secret).update(signed).digest()
  }

  issue (claims: TokenClaims): string {
    const signed = `${HEADER}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}`
    return `${signed}.${this.#mac(signed).toString('base64url')}`
  }

  /** The claims of a token this issuer wrote and that has not expired at `now` (ms); undefined for anything else. */
  read (token: string, now = Date.now()): TokenClaims | undefined {
    if (token.length > LONGEST) return undefined
    const [header, payload, mac, ...rest] = token.split('.')
    if (header !== HEADER || payload === undefined || mac === undefined || rest.length > 0) return undefined
    const given = Buffer.from(mac, 'base64url')
    const expected = this.#mac(`${header}.${payload}`)
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) return undefined
    // Signed by us, so well-formed; checked anyway, since a secret may be shared with another issuer.
    let claims: Partial<TokenClaims>
    try {
      claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as Partial<TokenClaims>
    } catch {
      return undefined
    }
    if (typeof claims?.address !== 'string' || !ADDRESS.test(claims.address) || typeof claims.exp !== 'number') return undefined
    return claims.exp * 1000 > now ? claims as TokenClaims : undefined
  }
}
