// Kept so tests written against the old path keep working: the helpers live in @chatchat/server/testing.
export { waitFor } from '@chatchat/server/testing';
