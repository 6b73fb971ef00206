import WebSocket from 'ws';
import { createChatClient, type ChatClient, type ChatClientOptions } from '@chatchat/client';

/** An SDK client on Node: the `ws` package stands in for the browser's WebSocket. */
export function sdkClient(url: string, token: string, options: Partial<ChatClientOptions> = {}): ChatClient {
  return createChatClient({
    url,
    token,
    WebSocket: WebSocket as unknown as ChatClientOptions['WebSocket'],
    backoff: { initialMs: 20, maxMs: 200 },
    ...options,
  });
}
