// README.md's snippet, as it stands there: type-checked by `npm run typecheck`, matched by test/docs/readme.test.ts.
/* eslint-disable @typescript-eslint/no-unused-vars */
export {}
interface NonceStore {
  get (address: string): string | Promise<string>                       // current nonce, '0' if none
  advance (address: string, nonce: string): boolean | Promise<boolean>  // set and true only if nonce > current
}
