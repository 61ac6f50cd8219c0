// README.md's snippet, as it stands there: type-checked by `npm run typecheck`, matched by test/docs/readme.test.ts.
import { app, operator } from './context.js'
import rateLimit from '@fastify/rate-limit'
import compute, { personalSignVerifier } from 'fastify-ocean-compute'
import { clientKey, limitPerConsumer } from './rate-limit.js' // examples/rate-limit.ts

// 1. Before anything else, per client address (an IPv6 address by its /64): no body read, no signature checked.
await app.register(rateLimit, { max: 300, timeWindow: 60_000, hook: 'onRequest', keyGenerator: request => clientKey(request.ip) })
// 2. Once the signature checked out, per verified consumer (with a nonceStore: nonceVerifier(store, { checkSignature })).
await app.register(compute, { prefix: '/api/v1/services', operator, verifier: personalSignVerifier({ checkSignature: limitPerConsumer(undefined, { perConsumer: 120 }) }) })
