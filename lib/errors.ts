import createError from '@fastify/error'

// Every error the plugin raises. Messages of 4xx and 503 errors are sent to the
// client as `{ "error": message }`, so none of them may carry a URL, a key or a
// signature. An error that wraps another takes it as `cause` (the last argument,
// `{ cause }`), which logs show and clients never see.

/** A required parameter is missing or malformed. `errors` lists the problems per field. */
export const InvalidParamsError = createError<'FST_COMPUTE_INVALID_PARAMS', 400, [string]>(
  'FST_COMPUTE_INVALID_PARAMS', '%s', 400)

/** The signature is missing where required, malformed, or from another address. */
export const InvalidSignatureError = createError<'FST_COMPUTE_INVALID_SIGNATURE', 401, []>(
  'FST_COMPUTE_INVALID_SIGNATURE', 'Invalid signature provided.', 401)

/** The operator could not be reached, failed, or answered garbage. The message names what failed. */
export const OperatorUnavailableError = createError<'FST_COMPUTE_OPERATOR_UNAVAILABLE', 503, [string] | [string, ErrorOptions]>(
  'FST_COMPUTE_OPERATOR_UNAVAILABLE', '%s', 503)

/** The nonce store failed (a database down, a lost connection); the cause is logged, not sent. */
export const NonceStoreUnavailableError = createError<'FST_COMPUTE_NONCE_STORE_UNAVAILABLE', 503, []>(
  'FST_COMPUTE_NONCE_STORE_UNAVAILABLE', 'The nonce store could not be reached.', 503)

/** The chain could not be read (an RPC node down, slow or answering garbage), or an order is not final yet. The message says which; the cause is for logs. */
export const ChainUnavailableError = createError<'FST_COMPUTE_CHAIN_UNAVAILABLE', 503, [string] | [string, ErrorOptions]>(
  'FST_COMPUTE_CHAIN_UNAVAILABLE', '%s', 503)

/** The store of the jobs started per order failed or hung; the cause is for logs. */
export const OrderUsesUnavailableError = createError<'FST_COMPUTE_ORDER_USES_UNAVAILABLE', 503, [] | [ErrorOptions]>(
  'FST_COMPUTE_ORDER_USES_UNAVAILABLE', 'The store of order uses could not be reached.', 503)

/** The operator did not answer within the plugin's `operatorTimeout`. */
export const OperatorTimeoutError = createError<'FST_COMPUTE_OPERATOR_TIMEOUT', 503, [number]>(
  'FST_COMPUTE_OPERATOR_TIMEOUT', 'The compute operator did not answer within %d ms.', 503)

/** The operator refused the request with a 4xx; its status and message are passed on. */
export const OperatorRejectedError = createError<'FST_COMPUTE_OPERATOR_REJECTED', number, [string] | [string, ErrorOptions]>(
  'FST_COMPUTE_OPERATOR_REJECTED', '%s', 400)

/** computeResult: no such result of a job of this consumer, or an operator that serves no results. */
export const ResultNotFoundError = createError<'FST_COMPUTE_RESULT_NOT_FOUND', 404, [string]>(
  'FST_COMPUTE_RESULT_NOT_FOUND', '%s', 404)

/** Local engine: a job asks for a dataset the provider does not serve. */
export const UnknownDocumentError = createError<'FST_COMPUTE_UNKNOWN_DOCUMENT', 400, [string]>(
  'FST_COMPUTE_UNKNOWN_DOCUMENT', 'The documentId %s is not a dataset of this provider.', 400)

/** Local engine: a job's algorithm has no rawcode or url the engine will fetch. The message says why. */
export const UnknownAlgorithmError = createError<'FST_COMPUTE_UNKNOWN_ALGORITHM', 400, [string]>(
  'FST_COMPUTE_UNKNOWN_ALGORITHM', '%s', 400)

/** Local engine: an algorithm's entrypoint starts a program off the runtime allow-list, or passes it options. */
export const RuntimeNotAllowedError = createError<'FST_COMPUTE_RUNTIME_NOT_ALLOWED', 400, [string]>(
  'FST_COMPUTE_RUNTIME_NOT_ALLOWED', '%s', 400)

/** Bundled engines: the consumer already has as many unfinished jobs as the engine's `maxJobsPerConsumer`. */
export const ConsumerLimitError = createError<'FST_COMPUTE_CONSUMER_LIMIT', 429, [number]>(
  'FST_COMPUTE_CONSUMER_LIMIT', 'This consumer already has %d unfinished jobs, the most this provider runs or queues for one consumer (maxJobsPerConsumer): start more once some have finished.', 429)

/** Registration: neither an `operator` option nor a `computeOperator` decorator. */
export const NoOperatorError = createError<'FST_COMPUTE_NO_OPERATOR', number, []>(
  'FST_COMPUTE_NO_OPERATOR',
  'fastify-ocean-compute needs a compute operator: pass `operator` in the plugin options ' +
  '(e.g. httpOperator({ url, account }) or localOperator({ ... })) or decorate the instance ' +
  'with `computeOperator` before registering the plugin.', 500)

/** Registration: an option has the wrong type or value. */
export const InvalidOptionError = createError<'FST_COMPUTE_INVALID_OPTION', number, [string] | [string, ErrorOptions]>(
  'FST_COMPUTE_INVALID_OPTION', 'fastify-ocean-compute: %s', 500)

/** The data owner's terms refuse the start (spec section 6); the message is the reference provider's. */
export const TermsRefusedError = createError<'FST_COMPUTE_TERMS_REFUSED', 400, [string]>(
  'FST_COMPUTE_TERMS_REFUSED', '%s', 400)

/** The terms could not be checked: a DDO lookup or an order check failed (the cause is logged, not sent). */
export const TermsUnavailableError = createError<'FST_COMPUTE_TERMS_UNAVAILABLE', 503, [string] | [string, ErrorOptions]>(
  'FST_COMPUTE_TERMS_UNAVAILABLE', '%s', 503)

/** Building the workflow (the terms' lookups and order checks) took longer than the plugin's `operatorTimeout`. */
export const TermsTimeoutError = createError<'FST_COMPUTE_TERMS_TIMEOUT', 503, [number]>(
  'FST_COMPUTE_TERMS_TIMEOUT', 'The data owner\'s terms could not be checked within %d ms.', 503)

// The current wire (oceanNodeCompute): its refusals, with ocean-node's messages where clients know them.

/** A current-wire request whose signature, nonce or token does not check out. The message says which. */
export const NodeAuthError = createError<'FST_COMPUTE_NODE_AUTH', 401, [string]>(
  'FST_COMPUTE_NODE_AUTH', '%s', 401)

/** A current-wire request for something the caller may not use: another address's token, an environment not open to it. */
export const AccessDeniedError = createError<'FST_COMPUTE_ACCESS_DENIED', 403, [string]>(
  'FST_COMPUTE_ACCESS_DENIED', '%s', 403)

/** A current-wire request for a job that is not the caller's, or not in the state asked for. */
export const JobNotFoundError = createError<'FST_COMPUTE_JOB_NOT_FOUND', 404, [string]>(
  'FST_COMPUTE_JOB_NOT_FOUND', '%s', 404)

/** A byte range of a result that the file does not have. */
export const RangeNotSatisfiableError = createError<'FST_COMPUTE_RANGE_NOT_SATISFIABLE', 416, [string]>(
  'FST_COMPUTE_RANGE_NOT_SATISFIABLE', '%s', 416)

/** A route of the current wire this provider does not offer (paid compute): the message says what instead. */
export const NotImplementedError = createError<'FST_COMPUTE_NOT_IMPLEMENTED', 501, [string]>(
  'FST_COMPUTE_NOT_IMPLEMENTED', '%s', 501)
