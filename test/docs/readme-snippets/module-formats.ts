// README.md's snippet, as it stands there: type-checked by `npm run typecheck`, matched by test/docs/readme.test.ts.
/* eslint-disable @typescript-eslint/no-unused-vars */
import compute from 'fastify-ocean-compute'                    // ESM: the default export
import { fastifyOceanCompute } from 'fastify-ocean-compute'    // or the same plugin by name
