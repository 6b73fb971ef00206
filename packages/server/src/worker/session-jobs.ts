import type { AuthService } from '../features/auth/auth-service.js';
import type { Logger } from '../logger.js';
import type { PeriodicJob } from './job-runner.js';

/** Workers: delete expired and long-revoked sessions (harmless if several workers do it at once). */
export function sessionSweepJob(auth: Pick<AuthService, 'sweepExpired'>, intervalMs: number, log: Logger): PeriodicJob {
  return {
    name: 'session-sweep',
    intervalMs,
    run: async () => {
      const swept = await auth.sweepExpired();
      log.debug(swept, 'expired sessions swept');
    },
  };
}
