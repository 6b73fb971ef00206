import { describe, expect, it } from 'vitest';
import { createLogger } from './logger.js';

describe('logger', () => {
  it('never writes passwords or tokens', () => {
    const lines: string[] = [];
    const log = createLogger({ level: 'info', destination: { write: (line: string) => void lines.push(line) } });
    log.info({ password: 'hunter2-secret', body: { password: 'nested-secret', refreshToken: 'rt-secret' } }, 'signup');
    log.info(
      { data: { token: 'hello-token-secret' }, accessToken: 'at-secret', req: { headers: { authorization: 'Bearer abc-secret' } } },
      'hello',
    );
    const text = lines.join('');
    expect(text).not.toMatch(/secret/);
    expect(text).toContain('[redacted]');
  });
});
