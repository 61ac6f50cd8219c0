// README.md's snippet, as it stands there: type-checked by `npm run typecheck`, matched by test/docs/readme.test.ts.
import Fastify from 'fastify'
import compute, { httpOperator, memoryNonceStore } from 'fastify-ocean-compute'
import { privateKeyToAccount } from 'viem/accounts'

const app = Fastify({ logger: true })
await app.register(compute, {
  prefix: '/api/v1/services',      // what Ocean clients call
  nonceStore: memoryNonceStore(),  // replay protection (see Security)
  operator: httpOperator({         // or localOperator() / dockerOperator() on this machine
    url: process.env.OPERATOR_SERVICE_URL!,
    account: privateKeyToAccount(process.env.PROVIDER_PRIVATE_KEY as `0x${string}`)
  })
})
await app.listen({ port: 8030 })
