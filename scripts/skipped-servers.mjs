// Tells, at the end of `npm test`, which suites skipped for want of a server and the one
// command that runs them once it is installed. The suites' skip helper (test/helpers/servers.ts)
// appends a line per skip to .tap/skipped-servers.jsonl; `clear` empties it before a run,
// `report` prints it. Never fails the run: a summary, not a verdict.
//   node scripts/skipped-servers.mjs clear|report
import { readFileSync, rmSync } from 'node:fs'
import { fileURLToPath } from 'node:url'

const file = fileURLToPath(new URL('../.tap/skipped-servers.jsonl', import.meta.url))

if (process.argv[2] === 'clear') {
  rmSync(file, { force: true })
} else {
  let lines = []
  try { lines = readFileSync(file, 'utf8').split('\n').filter(Boolean).map(line => JSON.parse(line)) } catch {}
  if (lines.length > 0) {
    const byServer = new Map()
    for (const { server, file: suite } of lines) byServer.set(server, new Set([...byServer.get(server) ?? [], suite]))
    const suites = [...new Set(lines.map(line => line.file))].sort()
    console.log('\nSkipped for want of a server (the coverage gate holds without them; CI runs them all):')
    for (const [server, files] of byServer) console.log(`  ${server}: ${[...files].sort().join(', ')}`)
    console.log('Once installed, this runs them, failing on any skip:')
    console.log(`  COMPUTE_TEST_REQUIRE_SERVERS=1 npx tap --disable-coverage ${suites.join(' ')}\n`)
  }
}
