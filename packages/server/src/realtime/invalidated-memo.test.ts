import { describe, expect, it } from 'vitest';
import { invalidatedMemo } from './invalidated-memo.js';

function deferred<T>() {
  let resolve!: (v: T) => void;
  let reject!: (e: Error) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

describe('invalidatedMemo', () => {
  it('reads once until invalidated', async () => {
    let reads = 0;
    const memo = invalidatedMemo(async () => ++reads);
    expect(await Promise.all([memo.get(), memo.get()])).toEqual([1, 1]);
    expect(await memo.get()).toBe(1);
    memo.invalidate();
    expect(await memo.get()).toBe(2);
  });

  it('never hands a read begun before an invalidation to a caller after it', async () => {
    const reads = [deferred<string>(), deferred<string>()];
    let n = 0;
    const memo = invalidatedMemo(() => reads[n++]!.promise);
    const early = memo.get();
    memo.invalidate();
    const late = memo.get();
    reads[0]!.resolve('before');
    reads[1]!.resolve('after');
    expect(await early).toBe('before');
    expect(await late).toBe('after');
    expect(await memo.get()).toBe('after');
  });

  it('keeps no failed read', async () => {
    let fail = true;
    const memo = invalidatedMemo(async () => {
      if (fail) throw new Error('store down');
      return 'ok';
    });
    await expect(memo.get()).rejects.toThrow('store down');
    fail = false;
    expect(await memo.get()).toBe('ok');
  });
});
