// README.md's snippet, as it stands there: type-checked by `npm run typecheck`, matched by test/docs/readme.test.ts.
/* eslint-disable @typescript-eslint/no-unused-vars */
import { signal } from './context.js'
import { chainDdos } from 'fastify-ocean-compute'

const resolve = chainDdos({ rpcUrl: process.env.NETWORK_URL, metadata: '0x…', fromBlock: 0 })
const ddo = await resolve('did:op:…', { signal })  // the parsed DDO, or undefined
