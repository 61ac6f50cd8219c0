import t from 'tap'
import { dockerOperator, type DockerOperatorOptions } from '../../../lib/index.js'
import { resolveDockerOptions } from '../../../lib/operator/docker/options.js'
import { dataFolder } from './helpers.js'

t.test('options are checked when the engine is made', async t => {
  const dataDir = await dataFolder(t)
  const bad: Array<[Partial<DockerOperatorOptions> | undefined, string]> = [
    [undefined, 'dataDir must name a folder'],
    [{ dataDir, maxJobSeconds: 0 }, 'maxJobSeconds must be a positive integer, got 0'],
    // A Node timer longer than 2^31-1 ms fires after 1 ms: every job would be killed at once.
    [{ dataDir, maxJobSeconds: 2_200_000 }, 'maxJobSeconds must be at most 2147483 seconds (the longest a Node timer waits), got 2200000'],
    [{ dataDir, socketPath: '' }, 'socketPath must name a unix socket'],
    [{ dataDir, images: 'node' as unknown as string[] }, 'images must be a list of image names'],
    [{ dataDir, images: [''] }, 'images must hold non-empty strings'],
    [{ dataDir, images: [] }, 'images is empty: with no image names allowed, every job would be refused'],
    [{ dataDir, images: ['node:20@sha256:abc'] }, 'images: node:20@sha256:abc is not an image reference (name, name:tag, name@sha256:…)'],
    [{ dataDir, images: ['Node'] }, 'images: Node is not an image reference (name, name:tag, name@sha256:…)'],
    [{ dataDir, pull: 'yes' as unknown as boolean }, 'pull must be true or false'],
    [{ dataDir, cpus: 0 }, 'cpus must be a positive number, got 0'],
    [{ dataDir, cpus: Number.POSITIVE_INFINITY }, 'cpus must be a positive number, got Infinity'],
    [{ dataDir, cpus: '1' as unknown as number }, 'cpus must be a positive number, got 1'],
    [{ dataDir, memoryBytes: 1.5 }, 'memoryBytes must be a positive integer, got 1.5'],
    [{ dataDir, pidsLimit: -1 }, 'pidsLimit must be a positive integer, got -1'],
    [{ dataDir, tmpfsBytes: 0 }, 'tmpfsBytes must be a positive integer, got 0'],
    [{ dataDir, log: {} as unknown as DockerOperatorOptions['log'] }, 'log must be a logger']
  ]
  for (const [options, message] of bad) {
    t.throws(() => dockerOperator(options as DockerOperatorOptions), { code: 'FST_COMPUTE_INVALID_OPTION', message: `fastify-ocean-compute: dockerOperator: ${message}` }, message)
  }
})

t.test('defaults, and the socket from DOCKER_HOST', async t => {
  const dataDir = await dataFolder(t)
  t.match(resolveDockerOptions({ dataDir }, {}), {
    socketPath: '/var/run/docker.sock',
    images: [{ name: 'node' }, { name: 'python' }],
    pull: false,
    memoryBytes: 512 * 1024 * 1024,
    cpus: 1,
    pidsLimit: 128,
    tmpfsBytes: 64 * 1024 * 1024,
    maxConcurrentJobs: 2,
    maxJobSeconds: 600
  })
  t.equal(resolveDockerOptions({ dataDir }, { DOCKER_HOST: 'unix:///run/podman/podman.sock' }).socketPath, '/run/podman/podman.sock')
  t.equal(resolveDockerOptions({ dataDir, socketPath: '/x.sock' }, { DOCKER_HOST: 'unix:///y.sock' }).socketPath, '/x.sock', 'the option wins')
  t.throws(() => resolveDockerOptions({ dataDir }, { DOCKER_HOST: 'tcp://127.0.0.1:2375' }),
    { message: 'fastify-ocean-compute: dockerOperator: DOCKER_HOST must be a unix:// socket; set socketPath otherwise' })
})
