// README.md's snippet, as it stands there: type-checked by `npm run typecheck`, matched by test/docs/readme.test.ts.
import { app } from './context.js'
import compute, { localOperator } from 'fastify-ocean-compute'

await app.register(compute, {
  prefix: '/api/v1/services',
  operator: localOperator({
    dataDir: '/var/lib/my-provider',
    datasets: { 'did:op:0123…': '/data/weather.csv' } // a path, a file: URL or an http(s) URL
  })
})
