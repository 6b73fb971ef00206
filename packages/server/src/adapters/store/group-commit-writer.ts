import type { Message } from '@chatchat/protocol';
import { notFound } from '../../errors.js';
import type { NewMessage } from '../../ports/store.js';
import type { MessageWriter } from './message-writer.js';
import { timeOrderedId } from './time-ordered-id.js';

/**
 * A send as it is written. One object travels from the port to the statements, so a field
 * added to `NewMessage` (a reply target, an attachment) reaches every dialect untouched;
 * each dialect then stores it in its own statements.
 */
export type MessageRow = NewMessage & {
  /** Chosen once per send, before the first attempt: a retried attempt writes the same id. */
  id: string;
};

export type SendKey = { senderId: string; clientMsgId: string };

/**
 * What a dialect supplies to the group-commit writer: statements, no rules. The rules of
 * a send (see `Store.insertMessage`) are the writer's; `insert` applies the ones that
 * must hold inside one atomic step.
 */
export interface SendStatements {
  /**
   * Writes the rows as one unit and returns the messages written, any order. A row is
   * written only if its sender is a current member of its room and its (senderId,
   * clientMsgId) is not stored yet; each room's written rows continue its seq without gaps,
   * numbered in the order given; each sender's read pointer in the room moves up to their
   * newest seq. Rows left out are no error: the writer answers them.
   * Throws only when the unit failed as a whole. A dialect whose unit is not atomic must
   * make a second call with the same rows (same ids) store nothing twice.
   */
  insert(rows: readonly MessageRow[]): Promise<Message[]>;
  /** Stored messages with any of these (senderId, clientMsgId) keys. */
  findSent(keys: readonly SendKey[]): Promise<Message[]>;
  /**
   * What the failure of a lone insert means: a twin with the same key was stored
   * concurrently, the sender does not exist, or something else (undefined: passed on).
   */
  explain(err: unknown): 'duplicate' | 'unknown-sender' | undefined;
}

export interface GroupCommitWriterOptions {
  statements: SendStatements;
  /** Most sends written in one `insert`. */
  maxBatch: number;
  /**
   * Batches in flight at once. One keeps per-room call order and makes each batch bigger;
   * concurrent batches nearly always share a room and wait for each other anyway.
   */
  maxInFlight?: number;
}

type Result = { message: Message; duplicate: boolean };
type Outcome = { ok: true; value: Result } | { ok: false; error: unknown };
interface Pending {
  row: MessageRow;
  resolve: (r: Result) => void;
  reject: (e: unknown) => void;
  outcome?: Outcome;
}

const keyOf = (row: MessageRow) => (row.clientMsgId === null ? undefined : `${row.senderId}\u0000${row.clientMsgId}`);

/**
 * Group commit, the one home of the send rules. Sends that queue up while a batch is in
 * flight are written together: one `insert`, one commit (the expensive part of a write)
 * for the lot. Then every send gets its own verdict:
 * - written: the new message;
 * - left out but its (senderId, clientMsgId) is stored: that message, `duplicate: true`
 *   (a retry is recognised whatever room it names, even one that is gone);
 * - left out otherwise: `not_found` ('room'): no such room, or not a current member;
 * - the same key twice in one batch: the first is written, the others follow it;
 * - a batch that fails as a whole is redone one send at a time, in call order, so a
 *   failure reaches only its own caller.
 */
export function createGroupCommitWriter({ statements, maxBatch, maxInFlight = 1 }: GroupCommitWriterOptions): MessageWriter {
  let queue: Pending[] = [];
  let scheduled = false;
  let inFlight = 0;
  const idleWaiters: Array<() => void> = [];

  const finish = (p: Pending, outcome: Outcome) => {
    p.outcome = outcome;
    if (outcome.ok) p.resolve(outcome.value);
    else p.reject(outcome.error);
  };

  async function findSent(pending: readonly Pending[]): Promise<Map<string, Message>> {
    const keys = pending.flatMap((p) => (p.row.clientMsgId === null ? [] : [{ senderId: p.row.senderId, clientMsgId: p.row.clientMsgId }]));
    const found = keys.length === 0 ? [] : await statements.findSent(keys);
    return new Map(found.map((m) => [`${m.senderId}\u0000${m.clientMsgId}`, m]));
  }

  async function write(batch: readonly Pending[]): Promise<void> {
    let written: Message[];
    try {
      written = await statements.insert(batch.map((p) => p.row));
    } catch (err) {
      if (batch.length === 1) return explainFailure(batch[0]!, err);
      // One bad send (a twin stored by another process, an unknown sender) failed the lot.
      for (const p of batch) await write([p]);
      return;
    }
    const byId = new Map(written.map((m) => [m.id, m]));
    const missing: Pending[] = [];
    for (const p of batch) {
      const message = byId.get(p.row.id);
      if (message) finish(p, { ok: true, value: { message, duplicate: false } });
      else missing.push(p);
    }
    if (missing.length === 0) return;
    let stored: Map<string, Message>;
    try {
      stored = await findSent(missing);
    } catch (error) {
      for (const p of missing) finish(p, { ok: false, error });
      return;
    }
    for (const p of missing) {
      const key = keyOf(p.row);
      const dup = key === undefined ? undefined : stored.get(key);
      finish(p, dup ? { ok: true, value: { message: dup, duplicate: true } } : { ok: false, error: notFound('room') });
    }
  }

  async function explainFailure(p: Pending, err: unknown): Promise<void> {
    const why = statements.explain(err);
    if (why === 'duplicate' && p.row.clientMsgId !== null) {
      try {
        const dup = (await findSent([p])).get(keyOf(p.row)!);
        if (dup) return finish(p, { ok: true, value: { message: dup, duplicate: true } });
      } catch (error) {
        return finish(p, { ok: false, error });
      }
    }
    finish(p, { ok: false, error: why === 'unknown-sender' ? notFound('user') : err });
  }

  async function runBatch(batch: Pending[]): Promise<void> {
    const leaders: Pending[] = [];
    const followers: Array<{ p: Pending; leader: Pending }> = [];
    const firstByKey = new Map<string, Pending>();
    for (const p of batch) {
      const key = keyOf(p.row);
      const leader = key === undefined ? undefined : firstByKey.get(key);
      if (leader) followers.push({ p, leader });
      else {
        if (key !== undefined) firstByKey.set(key, p);
        leaders.push(p);
      }
    }
    await write(leaders);
    for (const { p, leader } of followers) {
      const o = leader.outcome;
      if (o?.ok) finish(p, { ok: true, value: { message: o.value.message, duplicate: true } });
      // The leader was refused (e.g. it named a room the sender is not in): judge this one alone.
      else await write([p]);
    }
  }

  function pump() {
    scheduled = false;
    while (inFlight < maxInFlight && queue.length > 0) {
      const batch = queue.length <= maxBatch ? queue : queue.slice(0, maxBatch);
      queue = queue.length <= maxBatch ? [] : queue.slice(maxBatch);
      inFlight++;
      void runBatch(batch)
        .catch((error: unknown) => {
          for (const p of batch) if (!p.outcome) finish(p, { ok: false, error });
        })
        .finally(() => {
          inFlight--;
          if (queue.length > 0) pump();
          else if (inFlight === 0) idleWaiters.splice(0).forEach((w) => w());
        });
    }
  }

  return {
    insert(input) {
      return new Promise<Result>((resolve, reject) => {
        queue.push({ row: { ...input, id: timeOrderedId() }, resolve, reject });
        if (!scheduled) {
          scheduled = true;
          // Sends made in the same tick travel together.
          setImmediate(pump);
        }
      });
    },
    async close() {
      if (inFlight === 0 && queue.length === 0 && !scheduled) return;
      await new Promise<void>((resolve) => idleWaiters.push(resolve));
    },
  };
}
