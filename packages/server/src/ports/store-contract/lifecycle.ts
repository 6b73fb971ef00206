import { describe, expect, it } from 'vitest';
import type { StoreFixture } from './fixture.js';

export function lifecycleContract(f: StoreFixture): void {
  describe('lifecycle', () => {
    it('migrates idempotently and answers ping', async () => {
      await f.store.migrate();
      await f.store.ping();
      expect(['sqlite', 'postgres', 'mongodb']).toContain(f.store.dialect);
    });
  });
}
