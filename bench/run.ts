import { parseArgs } from 'node:util'
import autocannon, { type Request } from 'autocannon'
import { JOB_LATENCY, jobLatency, jobLatencyTable, type JobLatency } from './jobs.js'
import { scenarios } from './scenarios/index.js'
import type { Calls, Scenario } from './scenario.js'
import { compileServers, pinLoadGenerator, startSide, unpin, type Cores, type Side } from './side.js'

// npm run bench -- [--quick] [--json] [--scenario <name>]... [--cpu-prof]
//   --quick     a 5 s warm-up and 5 rounds of 1 s (12 to 40 s a scenario) instead of 10 s and
//               10 rounds of 3 s, and 3 jobs per engine in job-latency instead of 10
//   --json      one JSON line per scenario instead of a table
//   --cpu-prof  writes a CPU profile of each server to bench/profiles/<scenario>/<plugin|baseline>/ (sampled every 100 µs)
const { values: args } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    json: { type: 'boolean', default: false },
    scenario: { type: 'string', multiple: true },
    'cpu-prof': { type: 'boolean', default: false }
  }
})

// The warm-up is long because the plugin's is: a fresh plugin process costs 15 to 30 % more
// per request for its first ~5 s under load (V8 still compiling its routes, ajv's and
// fast-json-stringify's code), then settles (docs/performance-notes.md). A 0.5 s warm-up
// measured that, in some runs and not others.
const settings = args.quick
  ? { rounds: 5, seconds: 1, warmup: 5 }
  : { rounds: 10, seconds: 3, warmup: 10 }
// Per server: enough to keep it busy at all times.
const CONNECTIONS = 10

const selected = args.scenario === undefined ? scenarios : scenarios.filter(s => args.scenario!.includes(s.name))
// job-latency times jobs on the engines rather than loading a server: it runs after the others.
const latency = args.scenario === undefined || args.scenario.includes(JOB_LATENCY)
if (selected.length === 0 && !latency) throw new Error(`no such scenario; there are ${[...scenarios.map(s => s.name), JOB_LATENCY].join(', ')}`)

/** One round of one side: throughput, latency, and the server's CPU time per request and memory after it. */
interface Round { rps: number, p50: number, p99: number, cpu: number, rss: number, requests: number }

async function load (side: Side, request: Request, seconds: number): Promise<Round> {
  const before = await side.usage()
  const result = await autocannon({ url: `http://127.0.0.1:${side.port}`, connections: CONNECTIONS, duration: seconds, requests: [request] })
  const after = await side.usage()
  // A fast 4xx is no throughput: every answer must be a success.
  if (result.errors + result.timeouts + result.non2xx > 0) {
    throw new Error(`${result.non2xx} non-2xx answers, ${result.errors} errors, ${result.timeouts} timeouts`)
  }
  const requests = result.requests.total
  return { rps: requests / result.duration, p50: result.latency.p50, p99: result.latency.p99, cpu: (after.cpu - before.cpu) / requests, rss: after.rss, requests }
}

/**
 * Both sides under load at the same time, on the same core: the machine's speed moves by
 * a factor of two from one second to the next here (a fixed loop's CPU time does), and
 * whatever it does in a round, it does to both. Sharing the core fairly, each side's
 * req/s is the inverse of its cost per request.
 */
async function pairedRound (sides: Side[], request: Request, seconds: number): Promise<Round[]> {
  return await Promise.all(sides.map(async side => await load(side, request, seconds)))
}

function median (values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b)
  const mid = sorted.length >> 1
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2
}

const round2 = (value: number) => Math.round(value * 100) / 100

/** Each side's calls between two counts, per request it served in the rounds (4 decimals: a call a minute shows). */
function callsPerRequest (before: Calls, after: Calls, rounds: Round[][]): Calls {
  const per = (side: 0 | 1, role: keyof Calls) => {
    const requests = rounds.reduce((sum, round) => sum + round[side]!.requests, 0)
    return Object.fromEntries(Object.entries(after[role]).map(([method, n]) => [method, Math.round((n - (before[role][method] ?? 0)) / requests * 1e4) / 1e4]))
  }
  return { plugin: per(0, 'plugin'), baseline: per(1, 'baseline') }
}

/** Medians over the rounds, and the most memory the server held after any of them. */
function summary (rounds: Round[]) {
  const of = (key: keyof Round) => median(rounds.map(r => r[key]))
  return {
    rps: Math.round(of('rps')),
    p50: of('p50'),
    p99: of('p99'),
    cpu: round2(of('cpu')),
    rss: round2(Math.max(...rounds.map(r => r.rss)) / 2 ** 20)
  }
}

// nextTick above this many ns: the process is in Node 20's slow mode (bench/server.ts).
const SLOW_TICK_NS = 150
// Fresh processes to start in all before a scenario is reported with mismatched modes.
const ATTEMPTS = 10

type Mode = 'fast' | 'slow'

const modeOf = (ns: number): Mode => ns > SLOW_TICK_NS ? 'slow' : 'fast'

/**
 * A scenario's figures from two server processes in the same mode. On Node 20 a quarter to
 * a half of all processes, bare Fastify's as much as the plugin's, pay ~5 µs a request more for
 * process.nextTick (docs/performance-notes.md): a plugin in that mode against a baseline out
 * of it measured the Node version's lottery, not the plugin. So the side in the slow mode
 * is replaced by a fresh process, warmed up, and both are measured again, until the modes
 * match; Node 22 and 24 have one mode only, so the first pair counts there.
 */
async function measure (scenario: Scenario, cores: Cores | undefined) {
  const request = await scenario.request()
  const execArgv = (role: string) => args['cpu-prof'] ? ['--cpu-prof', '--cpu-prof-interval', '100', '--cpu-prof-dir', `bench/profiles/${scenario.name}/${role}`] : []
  // The stand-in serves both sides: it is left unpinned, off the servers' shared core.
  const standIn = scenario.standIn === undefined ? undefined : await startSide(scenario.name, 'standIn')
  const upstream = standIn === undefined ? undefined : `http://127.0.0.1:${standIn.port}`
  const start = async (role: 'plugin' | 'baseline') => await startSide(scenario.name, role, { upstream, execArgv: execArgv(role), cpus: cores?.servers })
  const sides = [await start('plugin'), await start('baseline')]
  try {
    const url = (side: Side) => `http://127.0.0.1:${side.port}`
    const probe = upstream === undefined ? undefined : await scenario.probe?.({ plugin: url(sides[0]!), baseline: url(sides[1]!) }, upstream)
    for (let started = 2; ; started++) {
      await pairedRound(sides, request, settings.warmup)
      const before = upstream === undefined ? undefined : await scenario.calls?.(upstream)
      const rounds: Round[][] = []
      for (let round = 0; round < settings.rounds; round++) rounds.push(await pairedRound(sides, request, settings.seconds))
      const calls = before === undefined ? undefined : callsPerRequest(before, await scenario.calls!(upstream!), rounds)
      const ticks = await Promise.all(sides.map(async side => await side.tickCost()))
      const modes = ticks.map(modeOf)
      if (modes[0] === modes[1] || started === ATTEMPTS) return { rounds, ticks, modes, processes: started, probe, calls }
      const slow = modes.indexOf('slow')
      await sides[slow]!.stop()
      sides[slow] = await start(slow === 0 ? 'plugin' : 'baseline')
    }
  } finally {
    await Promise.all([...sides, standIn].map(async side => { await side?.stop() }))
  }
}

const lines = []
if (selected.length > 0) {
  compileServers()
  const cores = pinLoadGenerator()
  for (const scenario of selected) {
    const { rounds, ticks, modes, processes, probe, calls } = await measure(scenario, cores)
    const [p, b] = [summary(rounds.map(r => r[0]!)), summary(rounds.map(r => r[1]!))]
    const line = {
      scenario: scenario.name,
      plugin_rps: p.rps,
      baseline_rps: b.rps,
      // Ratios of the same round's figures (both sides saw the same machine), then their median.
      ratio: round2(median(rounds.map(([plugin, baseline]) => plugin!.rps / baseline!.rps))),
      plugin_p50_ms: p.p50,
      baseline_p50_ms: b.p50,
      plugin_p99_ms: p.p99,
      baseline_p99_ms: b.p99,
      plugin_rss_mb: p.rss,
      baseline_rss_mb: b.rss,
      // CPU time the server spent per request.
      plugin_cpu_us: p.cpu,
      baseline_cpu_us: b.cpu,
      cpu_ratio: round2(median(rounds.map(([plugin, baseline]) => plugin!.cpu / baseline!.cpu))),
      // The nextTick mode of each side (plugin/baseline), its cost in ns, and how many server processes it took.
      modes: modes.join('/'),
      tick_ns: ticks.map(ns => Math.round(ns)).join('/'),
      processes,
      pinned: cores !== undefined,
      // The stand-in's count of each side's calls, by method (a counting stand-in's): per start over the rounds, and the probe's.
      ...(calls === undefined ? {} : { calls_per_request: calls }),
      ...(probe === undefined ? {} : { probe })
    }
    if (args.json) console.log(JSON.stringify(line))
    else console.error(`${scenario.name} done`)
    lines.push(line)
  }
  // Job latency runs on every core, as a provider would.
  if (cores !== undefined) unpin(cores)
}

let jobs: JobLatency | undefined
if (latency) {
  jobs = await jobLatency(args.quick ? 3 : 10)
  if (args.json) console.log(JSON.stringify(jobs))
  else console.error(`${JOB_LATENCY} done`)
}

if (!args.json) {
  if (lines.length > 0) {
    console.log(`${settings.warmup} s warm-up, then ${settings.rounds} rounds of ${settings.seconds} s, both sides at once${lines[0]!.pinned ? ' on one core (the load generator on another)' : ''}, ${CONNECTIONS} connections each; medians\n`)
    console.log('| scenario | plugin req/s | baseline req/s | ratio | p50 ms (plugin / baseline) | p99 ms (plugin / baseline) | RSS MB (plugin / baseline) | CPU µs/req (plugin / baseline) | CPU ratio | nextTick modes (processes) |')
    console.log('|---|---:|---:|---:|---:|---:|---:|---:|---:|---|')
    for (const l of lines) {
      console.log(`| ${l.scenario} | ${l.plugin_rps} | ${l.baseline_rps} | ${l.ratio} | ${l.plugin_p50_ms} / ${l.baseline_p50_ms} | ${l.plugin_p99_ms} / ${l.baseline_p99_ms} | ${l.plugin_rss_mb} / ${l.baseline_rss_mb} | ${l.plugin_cpu_us} / ${l.baseline_cpu_us} | ${l.cpu_ratio} | ${l.modes} (${l.processes}) |`)
    }
    for (const l of lines) {
      if (l.probe !== undefined) console.log(`\n${l.scenario}, calls to the stand-in by method, before the warm-up: ${JSON.stringify(l.probe)}`)
      if (l.calls_per_request !== undefined) console.log(`${l.scenario}, calls to the stand-in per request over the rounds: ${JSON.stringify(l.calls_per_request)}`)
    }
  }
  if (jobs !== undefined) console.log(`${lines.length > 0 ? '\n' : ''}${jobLatencyTable(jobs)}`)
}
