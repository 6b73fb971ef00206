import { afterAll } from 'vitest';
import { useMongoStore } from '@chatchat/server/testing';

// The same suite, on the MongoDB store (FerretDB).
useMongoStore({ afterAll });
await import('./attachments.test.js');
