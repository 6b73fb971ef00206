import type { ErrorBody } from './errors.js';
import type { EventData, EventName } from './events.js';
import type { OpData, OpName, OpReply } from './ops.js';

/** Client → server. `id` is the client's own, echoed as `re` in the reply. */
export type Request<K extends OpName = OpName> = { [P in K]: { id: string; op: P; data: OpData<P> } }[K];

export interface ReplyOk<K extends OpName = OpName> {
  re: string;
  ok: true;
  data: OpReply<K>;
}
export interface ReplyError {
  /** Null when the request's id could not be read (not JSON, no id). */
  re: string | null;
  ok: false;
  error: ErrorBody;
}
export type Reply<K extends OpName = OpName> = ReplyOk<K> | ReplyError;

/** Server → client push. */
export type ServerEvent<K extends EventName = EventName> = { [P in K]: { ev: P; data: EventData<P> } }[K];

/** Anything the server sends; discriminate on `'re' in frame`. */
export type ServerFrame = Reply | ServerEvent;

export function isReply(frame: ServerFrame): frame is Reply {
  return (frame as Reply).re !== undefined;
}
