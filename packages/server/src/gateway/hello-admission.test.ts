import { describe, expect, it } from 'vitest';
import { Limits } from '@chatchat/protocol';
import { createHelloAdmission } from './hello-admission.js';

function clock() {
  let t = 1_000;
  return { now: () => t, advance: (ms: number) => (t += ms) };
}

function admitted(place: ReturnType<ReturnType<typeof createHelloAdmission>['enter']>) {
  if (!place.admitted) throw new Error(`refused, retry after ${place.retryAfterMs} ms`);
  return place;
}

function refusedAfter(place: ReturnType<ReturnType<typeof createHelloAdmission>['enter']>) {
  if (place.admitted) throw new Error('admitted');
  return place.retryAfterMs;
}

describe('createHelloAdmission', () => {
  it('admits up to the limit, refuses the next, and admits again once a place is left', () => {
    const { now } = clock();
    const admission = createHelloAdmission({ limit: 2, now });
    const a = admitted(admission.enter());
    admitted(admission.enter());
    refusedAfter(admission.enter());
    a.leave();
    admitted(admission.enter());
    refusedAfter(admission.enter());
  });

  it('spaces the refused clients one mean hello / limit apart, from the mean it measured', () => {
    const { now, advance } = clock();
    const admission = createHelloAdmission({ limit: 4, now });
    // Hellos of 200 ms pull the mean (50 ms before any was timed) towards 200.
    for (let i = 0; i < 400; i++) {
      const place = admitted(admission.enter());
      advance(200);
      place.leave();
    }
    const held = Array.from({ length: 4 }, () => admitted(admission.enter()));
    const slots = Array.from({ length: 5 }, () => refusedAfter(admission.enter()));
    // 4 answered at once at ~200 ms each: a place frees about every 50 ms.
    for (const [i, slot] of slots.entries()) expect(slot).toBeCloseTo(50 * (i + 1), -1);
    // Time passing moves the queue of slots along with it.
    advance(100);
    expect(refusedAfter(admission.enter())).toBeCloseTo(200, -1);
    for (const place of held) place.leave();
  });

  it('never hands out a slot beyond the protocol cap', () => {
    const { now } = clock();
    const admission = createHelloAdmission({ limit: 1, now });
    admitted(admission.enter());
    // 50 ms apart, the 1,201st refused client reaches the 60 s cap.
    let last = 0;
    for (let i = 0; i < 2_000; i++) last = refusedAfter(admission.enter());
    expect(last).toBe(Limits.maxRetryAfterMs);
  });
});
