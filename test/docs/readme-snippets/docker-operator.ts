// README.md's snippet, as it stands there: type-checked by `npm run typecheck`, matched by test/docs/readme.test.ts.
/* eslint-disable @typescript-eslint/no-unused-vars */
import { app } from './context.js'
import { dockerOperator } from 'fastify-ocean-compute'

const operator = dockerOperator({ dataDir: '/var/lib/my-provider', datasets: { 'did:op:0123…': '/data/weather.csv' }, log: app.log })
