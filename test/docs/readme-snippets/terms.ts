// README.md's snippet, as it stands there: type-checked by `npm run typecheck`, matched by test/docs/readme.test.ts.
import { app, operator, orders } from './context.js'
import compute, { aquariusResolver } from 'fastify-ocean-compute'

await app.register(compute, {
  prefix: '/api/v1/services',
  operator,
  terms: {
    resolver: aquariusResolver({ url: process.env.AQUARIUS_URL! }), // or hostResolver([...ddos]), folderResolver('./ddos'), chainDdos(…)
    privateKey: process.env.PROVIDER_PRIVATE_KEY!, // decrypts the DDOs' encryptedFiles
    orders // an OrderVerifier, e.g. chainOrders(…): see Paid orders on chain
  }
})
