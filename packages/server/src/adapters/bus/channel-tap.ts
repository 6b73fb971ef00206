import type { Bus } from '../../ports/bus.js';

/**
 * The bus has one receiver per process (the gateway's routing table). A tap takes one
 * channel out before it: its messages go to `onTap`, everything else to whoever calls
 * `onMessage` on the returned bus. With `passOn`, the channel's messages go on downstream
 * too, after `onTap` has seen them. Subscribes the process to the channel for good.
 */
export async function tapChannel<B extends Bus>(
  bus: B,
  channel: string,
  onTap: (payload: string) => void,
  { passOn = false }: { passOn?: boolean } = {},
): Promise<B> {
  let downstream: ((channel: string, payload: string) => void) | null = null;
  bus.onMessage((ch, payload) => {
    if (ch !== channel) downstream?.(ch, payload);
    else {
      onTap(payload);
      if (passOn) downstream?.(ch, payload);
    }
  });
  await bus.subscribe(channel);
  return new Proxy(bus, {
    get(target, prop) {
      if (prop === 'onMessage') return (handler: (channel: string, payload: string) => void) => void (downstream = handler);
      const value = Reflect.get(target, prop, target) as unknown;
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}
