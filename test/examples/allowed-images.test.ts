import t from 'tap'
import type { FastifyInstance } from 'fastify'
import { SAMPLE_DID } from '../../examples/data/sample.js'
import { buildProvider, configFromEnv, PREFIX } from '../../examples/provider-server.js'
import { fakeDocker } from '../helpers/fake-docker.js'
import { alice, sign } from '../helpers/sign.js'
import { dataFolder, waitFor } from '../operator/docker/helpers.js'

/** Starts a job of alice on the example's dataset in `image` ('name:tag'); answers its id. */
async function started (app: FastifyInstance, image: string): Promise<string> {
  const colon = image.lastIndexOf(':')
  const res = await app.inject({
    method: 'POST',
    url: `${PREFIX}/compute`,
    payload: {
      consumerAddress: alice.address,
      signature: await sign(alice, { documentId: SAMPLE_DID }),
      documentId: SAMPLE_DID,
      algorithmMeta: { rawcode: 'x', container: { entrypoint: 'node $ALGO', image: image.slice(0, colon), tag: image.slice(colon + 1) } },
      output: {}
    }
  })
  return (res.json() as [{ jobId: string }])[0].jobId
}

t.test('ALLOWED_IMAGES: names separated by commas, spaces and empty entries ignored; unset, the engine\'s default', async t => {
  t.same(configFromEnv({ ALLOWED_IMAGES: ' localhost/my-algo:1 , registry.example.com/team/algo,' }).images, ['localhost/my-algo:1', 'registry.example.com/team/algo'])
  t.equal(configFromEnv({}).images, undefined)
  t.equal(configFromEnv({ ALLOWED_IMAGES: ' , ' }).images, undefined)
})

t.test('the example\'s container engine runs a locally built image named in ALLOWED_IMAGES, and still refuses others', async t => {
  const daemon = await fakeDocker(t, { images: ['localhost/my-algo:1', 'node:20'] })
  process.env.DOCKER_HOST = `unix://${daemon.socketPath}`
  t.teardown(() => { delete process.env.DOCKER_HOST })
  const config = configFromEnv({ COMPUTE_ENGINE: 'docker', ALLOWED_IMAGES: 'localhost/my-algo' })
  const { app } = await buildProvider({ ...config, dataDir: await dataFolder(t), logger: false })
  t.teardown(async () => await app.close())
  t.match(await waitFor(app, await started(app, 'localhost/my-algo:1')), { status: 70, exitCode: 0 })
  t.match(await waitFor(app, await started(app, 'node:20')), {
    status: 32, error: 'The image node:20 is not allowed on this provider (allowed: localhost/my-algo).'
  })
})
