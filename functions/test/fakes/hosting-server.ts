// Moved to src/testing/fakes so the local runner's stand-ins and the tests share one fake.
export * from '../../src/testing/fakes/hosting-server';
