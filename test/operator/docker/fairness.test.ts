import t from 'tap'
import { dockerOperator } from '../../../lib/index.js'
import { startPodman } from '../../helpers/podman.js'
import { CONSUMERS, fairnessRun } from '../../helpers/fairness.js'
import { context, workflow } from '../local/helpers.js'
import { CSV_PATH, dataFolder, DID, imageParts } from './helpers.js'

// A dozen containers, two at a time, on a loaded machine.
t.setTimeout(240_000)
const podman = await startPodman(t)

if (podman !== undefined) {
  t.test('one consumer starting 100 jobs and nine others one each: the nine leave the container engine\'s queue before the greedy one\'s third', async t => {
    const operator = dockerOperator({
      dataDir: await dataFolder(t),
      socketPath: podman.socketPath,
      images: [imageParts(podman.images.node).image],
      datasets: { [DID]: CSV_PATH },
      maxConcurrentJobs: 2,
      maxJobsPerConsumer: 100
    })
    t.teardown(async () => {
      // The queued jobs end as stopped; the running ones are short.
      await Promise.all(CONSUMERS.map(async owner => await operator.stop({ owner }, context())))
      await operator.close()
    })
    const { image, tag } = imageParts(podman.images.node)
    const { order, greedyThird, others } = await fairnessRun(operator, workflow({ rawcode: 'setTimeout(() => {}, 100)', image, tag }), context())
    t.ok(others.every(index => index < greedyThird), `order: ${order.map(owner => owner.slice(0, 3)).join(' ')}`)
  })
}
