// The example assets' DIDs, apart from their DDOs (assets.ts), so that the consumer needs
// nothing but them: it runs from the sources, before or while `npm run example` builds.

/** The second dataset: the sample data, for the trusted sample algorithm only. */
export const STRICT_DID = 'did:op:5ea47a15ce1ff1e5a1b1e1c25a9fd6d3d5e8ba21'
/** The sample algorithm, weather-summary.cjs, published with its container. */
export const ALGORITHM_DID = 'did:op:a1903e5c5d1ec0b6c3a4b7b9a2b64a3b6e0c9d17'

/** A V3 DID's datatoken: the address the DID is made of (did:op: and 40 hex digits). */
export const datatokenOf = (did: string) => `0x${did.slice('did:op:'.length)}` as `0x${string}`
