import t from 'tap'
import { localOperator, type LocalOperatorOptions } from '../../../lib/index.js'
import { DID, OWNER, context, engine, resultText, start, tempDir, waitFor, workflow } from './helpers.js'

const NODE_OPTIONS = 'The entrypoint may not pass options to node: $ALGO must come right after it (the provider sets its permissions).'

t.test('what the engine cannot run is refused with a 400 before a job exists', async t => {
  const operator = await engine(t)
  const refusals: Array<[string, Parameters<typeof start>[1], string, string]> = [
    ['unknown dataset', { rawcode: 'x', inputs: [{ id: 'did:op:unknown' }] }, 'FST_COMPUTE_UNKNOWN_DOCUMENT', 'The documentId did:op:unknown is not a dataset of this provider.'],
    ['id that is no folder name', { rawcode: 'x', inputs: [{ id: '..', url: ['https://example.org/x'] }] }, 'FST_COMPUTE_UNKNOWN_DOCUMENT', 'The documentId .. is not a dataset of this provider.'],
    ['id with a separator', { rawcode: 'x', inputs: [{ id: 'a/b', url: ['https://example.org/x'] }] }, 'FST_COMPUTE_UNKNOWN_DOCUMENT', 'The documentId a/b is not a dataset of this provider.'],
    ['no algorithm', {}, 'FST_COMPUTE_UNKNOWN_ALGORITHM', 'The algorithm needs rawcode or a url: this provider does not resolve algorithm DIDs.'],
    ['file: algorithm', { url: 'file:///etc/passwd' }, 'FST_COMPUTE_UNKNOWN_ALGORITHM', 'The algorithm url must be an http(s) URL.'],
    ['path algorithm', { url: '/etc/passwd' }, 'FST_COMPUTE_UNKNOWN_ALGORITHM', 'The algorithm url must be an http(s) URL.'],
    ['runtime off the list', { rawcode: 'x', entrypoint: 'bash $ALGO' }, 'FST_COMPUTE_RUNTIME_NOT_ALLOWED', 'The entrypoint runs "bash", which is not an allowed runtime (allowed: node, python3).'],
    ['runtime by path', { rawcode: 'x', entrypoint: '/usr/bin/node $ALGO' }, 'FST_COMPUTE_RUNTIME_NOT_ALLOWED', 'The entrypoint runs "/usr/bin/node", which is not an allowed runtime (allowed: node, python3).'],
    ['options to node', { rawcode: 'x', entrypoint: 'node --allow-child-process $ALGO' }, 'FST_COMPUTE_RUNTIME_NOT_ALLOWED', NODE_OPTIONS],
    ['options to node, no $ALGO', { rawcode: 'x', entrypoint: 'node -e 1' }, 'FST_COMPUTE_RUNTIME_NOT_ALLOWED', NODE_OPTIONS],
    // The option carries $ALGO in it: the script is still not the first word.
    ['an option holding $ALGO', { rawcode: 'x', entrypoint: 'node --allow-child-process=$ALGO $ALGO' }, 'FST_COMPUTE_RUNTIME_NOT_ALLOWED', NODE_OPTIONS],
    ['$ALGO inside the first word', { rawcode: 'x', entrypoint: 'node --require=$ALGO' }, 'FST_COMPUTE_RUNTIME_NOT_ALLOWED', NODE_OPTIONS],
    ['options to python3', { rawcode: 'x', entrypoint: 'python3 -c print(1) $ALGO' }, 'FST_COMPUTE_RUNTIME_NOT_ALLOWED', 'The entrypoint may not pass options to python3: $ALGO must come right after it (the provider sets its permissions).']
  ]
  for (const [name, spec, code, message] of refusals) {
    await t.rejects(start(operator, spec), { statusCode: 400, code, message }, name)
  }
  await t.rejects(operator.start({ workflow: { stages: [] }, owner: OWNER }, context()),
    { statusCode: 400, message: 'The workflow has no stage to run.' }, 'empty workflow')
  t.same(await operator.status({ owner: OWNER }, context()), [], 'no job was made')
})

t.test('entrypoints: the default, $ALGO anywhere, options after the algorithm', async t => {
  const operator = await engine(t)
  const writeArgs = "require('fs').writeFileSync(process.env.OUTPUTS + '/args', JSON.stringify(process.argv.slice(2)))"
  for (const [entrypoint, args] of [[undefined, []], ['', []], ['  node  ', []], ['node $ALGO --rows 5', ['--rows', '5']]] as const) {
    const { jobId } = await start(operator, { rawcode: writeArgs, entrypoint })
    t.match(await waitFor(operator, jobId), { status: 70, exitCode: 0 }, String(entrypoint))
    t.equal(await resultText(operator, jobId, 0), JSON.stringify(args), String(entrypoint))
  }
  // No container at all, and no maxtime: node $ALGO under maxJobSeconds.
  const bare = workflow({ rawcode: writeArgs, maxtime: 0 })
  delete bare.stages[0]!.algorithm.container
  const [plain] = await operator.start({ workflow: bare, owner: OWNER }, context())
  t.match(await waitFor(operator, plain!.jobId), { status: 70, exitCode: 0 })

  const python = await start(operator, { rawcode: 'import sys\nprint(sys.argv[1:])', entrypoint: 'python3 $ALGO x' })
  await waitFor(operator, python.jobId)
  t.match(await resultText(operator, python.jobId, 0), /\['x'\]/)
})

t.test('options are checked when the engine is made', async t => {
  const dataDir = await tempDir(t)
  const bad: Array<[Partial<LocalOperatorOptions> | undefined, string]> = [
    [undefined, 'dataDir must name a folder'],
    [{ dataDir: '' }, 'dataDir must name a folder'],
    [{ dataDir, maxConcurrentJobs: 0 }, 'maxConcurrentJobs must be a positive integer, got 0'],
    [{ dataDir, maxJobSeconds: 1.5 }, 'maxJobSeconds must be a positive integer, got 1.5'],
    [{ dataDir, maxOutputBytes: -1 }, 'maxOutputBytes must be a positive integer, got -1'],
    [{ dataDir, datasets: 'did:op:x' as unknown as Record<string, string> }, 'datasets must map documentIds to paths or URLs'],
    [{ dataDir, datasets: { [DID]: 3 as unknown as string } }, 'datasets must hold non-empty strings'],
    [{ dataDir, runtimes: 'node' as unknown as string[] }, 'runtimes must be a list of program names'],
    [{ dataDir, runtimes: [''] }, 'runtimes must hold non-empty strings'],
    [{ dataDir, runtimes: [] }, 'runtimes is empty: with no program names allowed, every job would be refused']
  ]
  for (const [options, message] of bad) {
    t.throws(() => localOperator(options as LocalOperatorOptions), { code: 'FST_COMPUTE_INVALID_OPTION', message: `fastify-ocean-compute: localOperator: ${message}` }, message)
  }
})
