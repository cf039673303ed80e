/**
 * The deployed functions, one line each. Everything else lives in small files named for what they do.
 */
export {};
