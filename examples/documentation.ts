// The example provider's API in a browser: @fastify/swagger collects every route
// registered after it (the plugin's schemas carry their summaries, parameters and
// answers) and @fastify/swagger-ui serves the page.
import type { FastifyInstance } from 'fastify'
import swagger, { type SwaggerTransform } from '@fastify/swagger'
import swaggerUi from '@fastify/swagger-ui'

/** Where the page is; its OpenAPI document is at `${DOCUMENTATION}/json`. */
export const DOCUMENTATION = '/documentation'

/**
 * A shell command that prints the address of the key in $KEY and its signature of that
 * address followed by the arguments (the message's other parts, in order). Run in a
 * clone, where viem is installed.
 */
export const SIGN_ONE_LINER = 'node --input-type=module -e "import { privateKeyToAccount } from \'viem/accounts\'; ' +
  'const a = privateKeyToAccount(process.env.KEY); ' +
  'console.log(a.address, await a.signMessage({ message: a.address + process.argv.slice(1).join(\'\') }))"'

// A browser cannot sign, so the page says how; "Try it out" then takes the signature.
const HOW_TO_SIGN = `
A compute-to-data provider built with fastify-ocean-compute: a consumer signs each request
with an Ethereum key, the provider checks the signature and runs the job next to the data.

### How to sign a request

A browser cannot make the \`signature\`. It is an EIP-191 \`personal_sign\` of the text
\`consumerAddress + jobId + documentId\` (for computeResult: \`consumerAddress + jobId + index\`),
a missing part as the empty string, and \`consumerAddress\` exactly as you send it (case matters).
When this page lists a \`nonce\` route, the provider protects against replays: ask it for your
current nonce and append it to the message (send no \`nonce\`), or append one at least that
great and send it as \`nonce\`. Each signed request then works once.

- \`npm run example:consumer\` does it all: it starts a job on the sample dataset, follows it and
  downloads its result.
- Or sign by hand in the clone (viem is installed): this prints your address and the signature;
  put the message's parts after the address in place of \`JOBID DOCUMENTID\` (\`''\` for a missing one).

\`\`\`sh
KEY=0x… ${SIGN_ONE_LINER} JOBID DOCUMENTID
\`\`\`

Then put the address and the signature into a route's **Try it out** (the JSON parameters take JSON).
`

interface QueryString { properties?: Record<string, { type?: string }> }

// What "Try it out" fills in: Swagger UI would otherwise invent `{ "additionalProp1": {} }`,
// and sends what it filled in even for an optional parameter.
const JSON_EXAMPLES: Readonly<Record<string, unknown>> = {
  algorithmMeta: { rawcode: 'console.log(\'hello\')', container: { entrypoint: 'node $ALGO' } },
  output: {},
  additionalInputs: []
}

// The plugin's object and array parameters (algorithmMeta, output, additionalInputs) are
// JSON text in a query string. `x-consume` makes @fastify/swagger describe them with
// `content: application/json`, so that "Try it out" sends them as JSON text, not as one
// query key per property.
const jsonQueryParameters: SwaggerTransform = ({ schema, url }) => {
  const querystring = schema?.querystring as QueryString | undefined
  if (querystring?.properties === undefined) return { schema, url }
  const properties = Object.fromEntries(Object.entries(querystring.properties).map(([name, property]) =>
    [name, property.type === 'object' || property.type === 'array'
      ? { ...property, 'x-consume': 'application/json', examples: [JSON_EXAMPLES[name]] }
      : property]))
  return { schema: { ...schema, querystring: { ...querystring, properties } }, url }
}

/** Serves the OpenAPI document of the routes registered after this call, and the page at {@link DOCUMENTATION}. */
export async function registerDocumentation (app: FastifyInstance, info: { title: string, version: string }): Promise<void> {
  await app.register(swagger, { openapi: { info: { ...info, description: HOW_TO_SIGN } }, transform: jsonQueryParameters })
  // Deep links open one route: `#/services/put_api_v1_services_compute`.
  await app.register(swaggerUi, {
    routePrefix: DOCUMENTATION,
    uiConfig: { deepLinking: true, docExpansion: 'list' },
    theme: { title: info.title }
  })
}
