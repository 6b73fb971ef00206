import type { Store } from '../ports/store.js';
import type { PeriodicJob } from './job-runner.js';

/**
 * Workers: index what was sent, edited or deleted since the last run (see
 * adapters/store/search-indexer.ts). Several workers at once take disjoint batches. Searches
 * index what is pending themselves, so this only bounds how long the index lags when nobody searches.
 * Not more often: a batch indexes the more cheaply the more rows it takes.
 */
export function searchIndexJob(store: Pick<Store, 'indexPendingSearch'>, intervalMs = 200): PeriodicJob {
  return {
    name: 'search-index',
    intervalMs,
    run: async () => {
      await store.indexPendingSearch();
    },
  };
}
