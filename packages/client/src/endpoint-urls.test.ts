import { describe, expect, it } from 'vitest';
import { apiUrlFrom, wsUrlFrom } from './endpoint-urls.js';

describe('endpoint urls', () => {
  it('derives the socket URL from the http base', () => {
    expect(wsUrlFrom('http://127.0.0.1:8080')).toBe('ws://127.0.0.1:8080/ws');
    expect(wsUrlFrom('https://chat.example.com/')).toBe('wss://chat.example.com/ws');
    expect(wsUrlFrom('https://example.com/chat/')).toBe('wss://example.com/chat/ws');
    expect(wsUrlFrom('ws://h:1')).toBe('ws://h:1/ws');
    expect(wsUrlFrom('wss://h/ws')).toBe('wss://h/ws');
  });

  it('puts routes under /api/v1', () => {
    expect(apiUrlFrom('http://h:1/', '/rooms')).toBe('http://h:1/api/v1/rooms');
  });
});
