// Kept so tests written against the old path keep working: the helpers live in @chatchat/server/testing.
export { startTestServer, testMetricsToken, type TestServer } from '@chatchat/server/testing';
