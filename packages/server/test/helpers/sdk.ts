// Kept so tests written against the old path keep working: the helpers live in @chatchat/server/testing.
export { sdkClient } from '@chatchat/server/testing';
