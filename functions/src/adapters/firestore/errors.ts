/** gRPC codes firebase-admin reports on `error.code` (GrpcStatus). */
const ALREADY_EXISTS = 6;
const NOT_FOUND = 5;

function codeOf(error: unknown): unknown {
  return typeof error === 'object' && error !== null ? (error as { code?: unknown }).code : undefined;
}

/** True for the error create() raises when the document already exists. */
export function isAlreadyExists(error: unknown): boolean {
  return codeOf(error) === ALREADY_EXISTS;
}

/** True for the error update() raises when the document does not exist. */
export function isNotFound(error: unknown): boolean {
  return codeOf(error) === NOT_FOUND;
}
