// README.md's snippet, as it stands there: type-checked by `npm run typecheck`, matched by test/docs/readme.test.ts.
import { subscribe } from 'node:diagnostics_channel'
import { CHANNELS, type JobMessage } from 'fastify-ocean-compute'

subscribe(CHANNELS.job, message => {
  const { jobId, state, status, duration } = message as JobMessage
  if (state === 'finished') console.log(jobId, status, duration)
})
