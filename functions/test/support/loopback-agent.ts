import { Agent } from 'node:https';
import { connect } from 'node:net';

/**
 * firebase-admin fetches Google's keys from fixed https URLs, through the app's `httpAgent`. An
 * agent whose connections go to a plain-HTTP fake on 127.0.0.1 lets the real verifier run against
 * keys the test controls (nothing leaves the loopback).
 */
export class LoopbackAgent extends Agent {
  constructor(private readonly port: number) {
    super();
  }
  override createConnection(): ReturnType<typeof connect> {
    return connect(this.port, '127.0.0.1');
  }
}
