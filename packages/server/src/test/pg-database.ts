// Kept for files not yet moved to the testing entry (@chatchat/server/testing).
export { createTestDatabase, type TestDatabaseOptions } from '../testing/pg-database.js';
