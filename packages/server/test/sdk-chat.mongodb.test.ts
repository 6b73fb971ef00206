import { afterAll } from 'vitest';
import { useMongoStore } from './helpers/test-store.js';

// The same suite, on the MongoDB store (FerretDB).
useMongoStore({ afterAll });
await import('./sdk-chat.test.js');
