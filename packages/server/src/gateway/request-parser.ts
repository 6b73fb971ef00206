import type { RawData } from 'ws';
import { AppError } from '../errors.js';

export interface ParsedRequest {
  id: string;
  op: string;
  data: unknown;
}

/**
 * Reads the envelope of a request. Errors carry the request id when it could be read,
 * so the client can match them.
 */
export function parseRequest(raw: RawData, isBinary: boolean): { id: string | null; request?: ParsedRequest; error?: AppError } {
  if (isBinary) return { id: null, error: new AppError('invalid', 'binary frames are not accepted; send JSON text') };
  let value: unknown;
  try {
    value = JSON.parse(raw.toString());
  } catch {
    return { id: null, error: new AppError('invalid', 'frame is not valid JSON') };
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return { id: null, error: new AppError('invalid', 'frame must be a JSON object {id, op, data}') };
  }
  const { id, op, data } = value as Record<string, unknown>;
  const goodId = typeof id === 'string' && id.length > 0 && id.length <= 64 ? id : null;
  if (!goodId) return { id: null, error: new AppError('invalid', 'request id must be a non-empty string of at most 64 characters') };
  if (typeof op !== 'string') return { id: goodId, error: new AppError('invalid', 'op must be a string') };
  return { id: goodId, request: { id: goodId, op, data: data ?? {} } };
}
