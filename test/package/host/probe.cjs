// What both runtime hosts share, so that they differ only in how they load the plugin.
const operator = {
  start: async () => [],
  status: async query => [{ jobId: 'j1', status: 70, statusText: 'Job finished', owner: query.owner }],
  stop: async () => [],
  delete: async () => []
}

/** Asks each prefix for an unsigned status and prints the answers as JSON for the test. */
async function report (app, prefixes) {
  const query = { consumerAddress: '0x' + '1'.repeat(40) }
  const answers = []
  for (const prefix of prefixes) {
    const res = await app.inject({ url: `${prefix}/compute`, query })
    answers.push({ status: res.statusCode, body: res.json() })
  }
  await app.close()
  console.log(JSON.stringify(answers))
}

module.exports = { operator, report }
