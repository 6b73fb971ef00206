import { createChatChatDriver } from './chatchat.js';
import { createSocketIoDriver } from './socketio.js';
import { createWsRelayDriver } from './ws-relay.js';
import type { SystemName, WireDriver } from './wire-driver.js';

export function createWireDriver(name: SystemName): WireDriver {
  switch (name) {
    case 'chatchat':
      return createChatChatDriver();
    case 'socketio':
      return createSocketIoDriver();
    case 'socketio-plain':
      return createSocketIoDriver(true);
    case 'ws-relay':
      return createWsRelayDriver();
    case 'ws-relay-plain':
      return createWsRelayDriver(true);
  }
}
