import { ChatClientError } from '@chatchat/client';
import type { MessageId } from './i18n/en';

/** A server or SDK failure as a sentence the user can act on. */
export function errorMessageId(err: unknown): MessageId {
  if (err instanceof ChatClientError) {
    switch (err.code) {
      case 'conflict':
        return 'error.conflict';
      case 'unauthorized':
        return 'error.unauthorized';
      case 'forbidden':
        return 'error.forbidden';
      case 'not_found':
        return 'error.notFound';
      case 'rate_limited':
        return 'error.rateLimited';
      case 'invalid':
        return 'error.invalid';
      case 'network':
      case 'disconnected':
      case 'timeout':
        return 'error.network';
      default:
        return 'error.generic';
    }
  }
  return 'error.generic';
}
