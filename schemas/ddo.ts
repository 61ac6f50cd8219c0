import { Type, type Static } from '@sinclair/typebox'

// A DDO of Ocean V3 (spec section 6.1), as far as the terms read it. Every object keeps
// the keys it has beyond these (Aquarius adds its own, publishers theirs): they are
// passed on untouched and count in the checksums.

const open = { additionalProperties: true } as const

/** An allow or deny list: the first entry of type `address` counts (provider v0.4.x `AddressCredential`). */
const CredentialList = Type.Array(Type.Object({
  type: Type.String(),
  values: Type.Optional(Type.Array(Type.String()))
}, open))

export const TrustedAlgorithm = Type.Object({
  did: Type.Optional(Type.String()),
  filesChecksum: Type.Optional(Type.String()),
  containerSectionChecksum: Type.Optional(Type.String())
}, open)
export type TrustedAlgorithm = Static<typeof TrustedAlgorithm>

/** A compute service's `attributes.main.privacy`: which algorithms may run on the data. */
export const Privacy = Type.Object({
  allowRawAlgorithm: Type.Optional(Type.Boolean()),
  allowAllPublishedAlgorithms: Type.Optional(Type.Boolean()),
  allowNetworkAccess: Type.Optional(Type.Boolean()),
  publisherTrustedAlgorithms: Type.Optional(Type.Array(TrustedAlgorithm)),
  publisherTrustedAlgorithmPublishers: Type.Optional(Type.Array(Type.String()))
}, open)
export type Privacy = Static<typeof Privacy>

export const Container = Type.Object({
  entrypoint: Type.Optional(Type.String()),
  image: Type.Optional(Type.String()),
  tag: Type.Optional(Type.String())
}, open)

/** `attributes.main` of any service: the metadata service's (type, files, algorithm) or an access/compute one's (cost, timeout, privacy). */
export const ServiceMain = Type.Object({
  type: Type.Optional(Type.String()),
  files: Type.Optional(Type.Array(Type.Unknown())),
  algorithm: Type.Optional(Type.Object({ container: Type.Optional(Container) }, open)),
  cost: Type.Optional(Type.Union([Type.String(), Type.Number()])),
  timeout: Type.Optional(Type.Integer({ minimum: 0 })),
  privacy: Type.Optional(Privacy)
}, open)

export const Service = Type.Object({
  type: Type.String(),
  index: Type.Integer({ minimum: 0 }),
  serviceEndpoint: Type.Optional(Type.String()),
  attributes: Type.Object({
    main: ServiceMain,
    /** The metadata service's file URLs, encrypted for the provider (ECIES, hex). */
    encryptedFiles: Type.Optional(Type.String()),
    status: Type.Optional(Type.Object({
      isOrderDisabled: Type.Optional(Type.Boolean()),
      isRetired: Type.Optional(Type.Boolean())
    }, open))
  }, open)
}, open)
export type Service = Static<typeof Service>

/** An asset's DDO (Ocean V3). */
export const DDO = Type.Object({
  id: Type.String({ minLength: 1 }),
  /** The datatoken; the DID is `did:op:` and its address without 0x. */
  dataToken: Type.Optional(Type.String()),
  service: Type.Array(Service),
  credentials: Type.Optional(Type.Object({
    allow: Type.Optional(CredentialList),
    deny: Type.Optional(CredentialList)
  }, open)),
  proof: Type.Optional(Type.Object({ creator: Type.Optional(Type.String()) }, open))
}, open)
export type DDO = Static<typeof DDO>
