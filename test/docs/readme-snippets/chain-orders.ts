// README.md's snippet, as it stands there: type-checked by `npm run typecheck`, matched by test/docs/readme.test.ts.
/* eslint-disable @typescript-eslint/no-unused-vars */
import { redis } from './context.js'
import { chainOrders } from 'fastify-ocean-compute'

const orders = chainOrders({
  rpcUrl: process.env.NETWORK_URL,  // or client: a viem client (anything with EIP-1193 request)
  jobsPerOrder: 1,                  // unset: an order starts jobs for as long as it is valid
  uses: redis                       // where uses are counted: an ioredis client, a pg Pool, a store; default memory
})
