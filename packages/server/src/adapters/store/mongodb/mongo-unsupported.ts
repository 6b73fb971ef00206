import { AppError } from '../../../errors.js';
import type { Store } from '../../../ports/store.js';

/**
 * Store methods this adapter does not implement yet. Each refuses with `unavailable`
 * naming the feature, so a MongoDB deployment gets a clear error instead of a crash;
 * README's MongoDB section lists them.
 */
export function notYetOnMongo<K extends keyof Store>(feature: string, names: readonly K[]): Pick<Store, K> {
  const refuse = () => Promise.reject(new AppError('unavailable', `${feature} are not available on the MongoDB store yet`));
  return Object.fromEntries(names.map((name) => [name, refuse])) as unknown as Pick<Store, K>;
}
