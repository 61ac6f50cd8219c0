// README.md's snippet, as it stands there: type-checked by `npm run typecheck`, matched by test/docs/readme.test.ts.
/* eslint-disable @typescript-eslint/no-unused-vars */
import type { VerifyInput } from 'fastify-ocean-compute'
interface ComputeVerifier {
  // input: { action: 'start' | 'status' | 'stop' | 'delete' | 'result', params, request }
  verify (input: VerifyInput): Promise<string | undefined> | string | undefined // the signer, or undefined: 401
}
