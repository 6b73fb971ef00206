import {
  createContext,
  useCallback,
  useContext,
  useEffect,
  useLayoutEffect,
  useMemo,
  useRef,
  useState,
  type KeyboardEvent,
  type ReactNode,
  type Ref,
} from 'react';
import { Virtualizer, type CacheSnapshot, type VirtualizerHandle } from 'virtua';
import type { OutboxEntry } from '@chatchat/client';
import { canInRoom, Limits, mentionsUser, type Message, type Room } from '@chatchat/protocol';
import { useChat, useClient, useSession } from '../chat-context';
import { useValue } from '../external-store';
import type { FailedSend } from '../app-stores';
import { dayKey, formatDay, formatTime, useLocale, useT } from '../i18n/i18n';
import { sendMessage } from './composer';
import { Avatar as Avatar2 } from './avatar';
import { ConversationActions, conversable } from '../conversation/message-actions';
import { renderBody } from '../conversation/message-text';
import { ReactionChips } from '../conversation/reactions';
import { ReplyQuoteView } from '../conversation/reply-quote';
import { useJump } from '../conversation/use-jump';

const noUsers = {};
import { AttachmentView } from './attachment-view';

/** Consecutive messages of one sender within this window share one name header. */
const groupWindowMs = 5 * 60_000;
/** Within this many px of the end counts as "at the bottom" (follow new messages). */
const bottomSlackPx = 32;
/** Start fetching older history when the reader is this close to the top. */
const prefetchPx = 600;
/** How long the opening position must hold, unchanged, before the view is the reader's. */
const settleMs = 200;

type RowBody = { kind: 'msg'; message: Message } | { kind: 'pending'; entry: OutboxEntry } | { kind: 'failed'; failed: FailedSend };

type Row = RowBody & {
  key: string;
  senderId: string;
  at: string;
  /** First of a run by one sender: shows the name. */
  groupStart: boolean;
  /** Set on the first row of a calendar day: the day's separator is shown above it. */
  day: string | null;
  unreadStart: boolean;
};

function buildRows(
  messages: readonly Message[],
  pending: readonly OutboxEntry[],
  failed: readonly FailedSend[],
  meId: string,
  unreadFrom: number | null,
): Row[] {
  const rows: Row[] = [];
  const bodies: (RowBody & { key: string; senderId: string; at: string })[] = [];
  for (const m of messages) bodies.push({ kind: 'msg', message: m, key: `m${m.seq}`, senderId: m.senderId, at: m.createdAt });
  for (const e of pending)
    bodies.push({ kind: 'pending', entry: e, key: `p${e.clientMsgId}`, senderId: meId, at: new Date(e.createdAt).toISOString() });
  for (const f of failed) bodies.push({ kind: 'failed', failed: f, key: `f${f.id}`, senderId: meId, at: new Date().toISOString() });
  let unreadMarked = false;
  for (let i = 0; i < bodies.length; i++) {
    const b = bodies[i]!;
    const prev = bodies[i - 1];
    const day = !prev || dayKey(prev.at) !== dayKey(b.at) ? b.at : null;
    const unreadStart = !unreadMarked && unreadFrom !== null && b.kind === 'msg' && b.message.seq >= unreadFrom && b.senderId !== meId;
    if (unreadStart) unreadMarked = true;
    const system = b.kind === 'msg' && b.message.kind === 'system';
    const groupStart =
      !prev ||
      day !== null ||
      unreadStart ||
      system ||
      prev.senderId !== b.senderId ||
      Date.parse(b.at) - Date.parse(prev.at) > groupWindowMs;
    rows.push({ ...b, groupStart, day, unreadStart });
  }
  return rows;
}

interface ListCtx {
  rows: Row[];
  focusIndex: number;
  busy: boolean;
  label: string;
  onKeyDown: (e: KeyboardEvent<HTMLDivElement>) => void;
}
const ListContext = createContext<ListCtx | null>(null);

/** The list container is the `feed`; each virtual item is itself the `article` (nothing between them). */
function Feed({ style, children, ref }: { style: React.CSSProperties; children: ReactNode; ref?: Ref<HTMLDivElement> }) {
  const ctx = useContext(ListContext)!;
  // An empty feed is not a feed (it requires articles): the room's empty line says it instead.
  if (ctx.rows.length === 0)
    return (
      <div ref={ref} style={style} data-testid="feed">
        {children}
      </div>
    );
  return (
    <div ref={ref} style={style} role="feed" aria-label={ctx.label} aria-busy={ctx.busy} onKeyDown={ctx.onKeyDown} data-testid="feed">
      {children}
    </div>
  );
}

function Item({ style, index, children, ref }: { style: React.CSSProperties; index: number; children: ReactNode; ref?: Ref<HTMLElement> }) {
  const ctx = useContext(ListContext)!;
  const row = ctx.rows[index];
  return (
    <article
      ref={ref}
      style={style}
      data-index={index}
      data-key={row?.key}
      data-seq={row?.kind === 'msg' ? row.message.seq : undefined}
      tabIndex={index === ctx.focusIndex ? 0 : -1}
      aria-posinset={index + 1}
      aria-setsize={-1}
      aria-labelledby={row ? `${row.key}-who ${row.key}-text` : undefined}
      className="row"
    >
      {children}
    </article>
  );
}

function MessageRow({
  row,
  room,
  meId,
  menuOpen,
  setMenu,
  editing,
  setEditing,
}: {
  row: Row;
  room: Room;
  meId: string;
  menuOpen: boolean;
  setMenu: (key: string | null) => void;
  editing: boolean;
  setEditing: (key: string | null) => void;
}) {
  const t = useT();
  const locale = useLocale();
  const client = useClient();
  const session = useSession();
  const sender = useChat((s) => s.users[row.senderId]);
  // Only a body with mentions needs the user table (to mark the names); others skip its changes.
  const users = useChat((s) => (row.kind === 'msg' && row.message.mentions.length > 0 ? s.users : noUsers));
  // Re-render when pointers move: the number next to each message is derived from them.
  useChat((s) => s.readers[room.id]);
  const mine = row.senderId === meId;
  const name = mine ? t('chat.you') : (sender?.displayName ?? t('chat.unknownUser'));
  const [confirmDelete, setConfirmDelete] = useState(false);
  const [editText, setEditText] = useState('');
  const [actionError, setActionError] = useState<string | null>(null);

  const message = row.kind === 'msg' ? row.message : null;
  const deleted = Boolean(message?.deletedAt);
  const canEdit = Boolean(message && mine && !deleted && message.kind === 'text');
  const canDelete = Boolean(
    message && !deleted && message.kind !== 'system' && (mine || canInRoom(room.kind, room.role, 'moderateMessages')),
  );
  const unread = message && !deleted ? client.readCount(room.id, message.seq) : undefined;
  const body = row.kind === 'msg' ? row.message.body : row.kind === 'pending' ? row.entry.body : row.failed.body;
  const files = !deleted && message?.attachments?.length ? message.attachments : null;

  const mentionsMe = Boolean(message && !deleted && mentionsUser(message, meId));
  const classes = ['msg', mine ? 'mine' : 'theirs', row.groupStart ? 'group-start' : 'grouped', row.kind, mentionsMe ? 'mentions-me' : '']
    .join(' ')
    .trim();
  return (
    <>
      {row.day && (
        <p className="day-sep" data-testid="day-separator">
          <time dateTime={row.at}>{formatDay(locale, row.at)}</time>
        </p>
      )}
      {row.unreadStart && (
        <p className="unread-divider" data-testid="unread-divider">
          <span>{t('chat.unreadDivider')}</span>
        </p>
      )}
      {message?.kind === 'system' ? (
        <p className="system-line" id={`${row.key}-text`}>
          <span id={`${row.key}-who`} className="visually-hidden">
            {t('chat.system')}
          </span>
          {message.body}
        </p>
      ) : (
        <div className={classes}>
          {!mine && (row.groupStart ? <Avatar2 name={name} seed={row.senderId} userId={row.senderId} /> : <span className="avatar-gap" />)}
          <div className="msg-col">
            <p className={`msg-sender${row.groupStart && !mine ? '' : ' visually-hidden'}`} id={`${row.key}-who`}>
              {name}
            </p>
            {message?.replyTo && <ReplyQuoteView roomId={room.id} quote={message.replyTo} meId={meId} />}
            <div className="msg-line">
              {editing ? (
                <form
                  className="edit-form"
                  onSubmit={(e) => {
                    e.preventDefault();
                    if (!message || !editText.trim()) return;
                    client.edit(message.id, editText).then(
                      () => setEditing(null),
                      () => setActionError(t('error.generic')),
                    );
                  }}
                >
                  <label htmlFor={`${row.key}-edit`} className="visually-hidden">
                    {t('chat.editLabel')}
                  </label>
                  <textarea
                    id={`${row.key}-edit`}
                    autoFocus
                    value={editText}
                    onChange={(e) => setEditText(e.target.value)}
                    onKeyDown={(e) => {
                      if (e.key === 'Escape') {
                        e.stopPropagation();
                        setEditing(null);
                      }
                    }}
                  />
                  <button type="submit" className="small primary">
                    {t('common.save')}
                  </button>
                  <button type="button" className="small" onClick={() => setEditing(null)}>
                    {t('common.cancel')}
                  </button>
                </form>
              ) : (
                <div className={`bubble${deleted ? ' deleted' : ''}${files ? ' has-files' : ''}`} id={`${row.key}-text`}>
                  {files && <AttachmentView attachments={files} />}
                  {deleted ? t('chat.deleted') : renderBody(body, message, users, meId)}
                  {message?.editedAt && !deleted && <span className="edited"> {t('chat.edited')}</span>}
                </div>
              )}
              <span className="msg-meta">
                {unread !== undefined && unread > 0 && (
                  <span className="read-count" data-testid="read-count" role="img" aria-label={t('chat.unreadBy', { count: unread })}>
                    {unread}
                  </span>
                )}
                {row.kind === 'pending' && <span className="status">{t('chat.sending')}</span>}
                {row.kind === 'failed' && <span className="status failed">{t('chat.failed')}</span>}
                {row.kind !== 'failed' && <time dateTime={row.at}>{formatTime(locale, row.at)}</time>}
              </span>
            </div>
            {message && <ReactionChips message={message} />}
            {row.kind === 'failed' && (
              <div className="failed-actions">
                <button
                  type="button"
                  className="small"
                  onClick={() => {
                    session.stores.failed.set((l) => l.filter((f) => f.id !== row.failed.id));
                    sendMessage(session, row.failed.roomId, row.failed.body, row.failed.options);
                  }}
                >
                  {t('chat.retry')}
                </button>
                <button
                  type="button"
                  className="small"
                  onClick={() => session.stores.failed.set((l) => l.filter((f) => f.id !== row.failed.id))}
                >
                  {t('chat.discard')}
                </button>
              </div>
            )}
            {(canEdit || canDelete || conversable(message)) && !editing && (
              <div className="msg-actions">
                <button
                  type="button"
                  className="icon small"
                  aria-expanded={menuOpen}
                  aria-label={t('chat.actions')}
                  tabIndex={-1}
                  onClick={() => setMenu(menuOpen ? null : row.key)}
                >
                  ⋯
                </button>
                {menuOpen && (
                  <div
                    className="menu"
                    role="group"
                    aria-label={t('chat.actions')}
                    onKeyDown={(e) => {
                      if (e.key === 'Escape') {
                        e.stopPropagation();
                        setMenu(null);
                        setConfirmDelete(false);
                        document.querySelector<HTMLElement>(`article[data-key="${row.key}"]`)?.focus();
                      }
                    }}
                  >
                    {canEdit && (
                      <button
                        type="button"
                        className="small"
                        autoFocus
                        onClick={() => {
                          setEditText(body);
                          setEditing(row.key);
                          setMenu(null);
                        }}
                      >
                        {t('chat.edit')}
                      </button>
                    )}
                    {canDelete &&
                      (confirmDelete ? (
                        <button
                          type="button"
                          className="small danger"
                          autoFocus
                          onClick={() => {
                            if (message) client.delete(message.id).catch(() => setActionError(t('error.generic')));
                            setMenu(null);
                            setConfirmDelete(false);
                          }}
                        >
                          {t('chat.confirmDelete')}
                        </button>
                      ) : (
                        <button type="button" className="small" autoFocus={!canEdit} onClick={() => setConfirmDelete(true)}>
                          {t('chat.delete')}
                        </button>
                      ))}
                    {conversable(message) && (
                      <ConversationActions
                        room={room}
                        message={message}
                        first={!canEdit && !canDelete}
                        onClose={() => setMenu(null)}
                        onError={() => setActionError(t('error.generic'))}
                      />
                    )}
                  </div>
                )}
              </div>
            )}
            {actionError && (
              <p className="form-error" role="alert">
                {actionError}
              </p>
            )}
          </div>
        </div>
      )}
    </>
  );
}

export function MessageList({ room }: { room: Room }) {
  const t = useT();
  const client = useClient();
  const session = useSession();
  const { stores } = session;
  const meId = useChat((s) => s.me!.id);
  const window = useChat((s) => s.windows[room.id]);
  const outbox = useChat((s) => s.outbox);
  const failedAll = useValue(stores.failed);
  const [unreadFrom] = useState(() => (room.unreadCount > 0 ? room.lastReadSeq + 1 : null));
  const messages = window?.messages;
  const rows = useMemo(
    () =>
      buildRows(
        messages ?? [],
        outbox.filter((e) => e.roomId === room.id),
        failedAll.filter((f) => f.roomId === room.id),
        meId,
        unreadFrom,
      ),
    [messages, outbox, failedAll, room.id, meId, unreadFrom],
  );

  const handle = useRef<VirtualizerHandle>(null);
  const scroller = useRef<HTMLDivElement>(null);
  const [ready, setReady] = useState(false);
  const positioned = useRef(false);
  const atBottom = useRef(true);
  const [newCount, setNewCount] = useState(0);
  const [olderLoading, setOlderLoading] = useState(false);
  const olderBusy = useRef(false);
  const [focusKey, setFocusKey] = useState<string | null>(null);
  const wantFocus = useRef(false);
  const [menuFor, setMenuFor] = useState<string | null>(null);
  const [editing, setEditing] = useState<string | null>(null);
  const [unreadAbove, setUnreadAbove] = useState(false);
  const memory = useRef(stores.scroll.get(room.id));
  const [initialCache] = useState(() => {
    const m = memory.current;
    return m && m.length === rows.length ? (m.cache as CacheSnapshot) : undefined;
  });

  // Prepends keep the reading position only with `shift` on for that render.
  const firstKey = useRef<string | undefined>(rows[0]?.key);
  const prependedNow = firstKey.current !== undefined && rows[0]?.key !== firstKey.current && rows.some((r) => r.key === firstKey.current);
  const lastKey = useRef<string | undefined>(undefined);

  const rowsRef = useRef(rows);
  rowsRef.current = rows;

  const focusIndex = Math.max(0, focusKey ? rows.findIndex((r) => r.key === focusKey) : rows.length - 1);
  const tryJump = useRef<() => void>(() => {});
  tryJump.current = useJump(room.id, rows, handle, scroller, positioned, setFocusKey);

  // Load until the first unread (or a screenful) is held, then place the view once.
  useEffect(() => {
    let cancelled = false;
    void (async () => {
      const need = unreadFrom !== null ? Math.max(1, unreadFrom - 3) : Math.max(1, room.lastSeq - 30);
      for (let pages = 0; pages < 10 && !cancelled && room.lastSeq > 0; pages++) {
        const held = client.messages(room.id);
        const lowest = held[0]?.seq;
        if (lowest !== undefined && (lowest <= need || !client.hasMoreHistory(room.id))) break;
        try {
          await client.loadHistory(room.id, { limit: 100 });
        } catch {
          break;
        }
      }
      if (!cancelled) setReady(true);
    })();
    return () => {
      cancelled = true;
    };
  }, []);

  const markVisible = useCallback(() => {
    const h = handle.current;
    if (!h || !positioned.current || rows.length === 0) return;
    if (document.visibilityState !== 'visible' || !document.hasFocus()) return;
    const top = h.scrollOffset;
    const bottom = top + h.viewportSize;
    let i = Math.min(rows.length - 1, h.findItemIndex(bottom));
    // Only what is wholly in view counts as seen (a message taller than the view: its top).
    while (
      i >= 0 &&
      h.getItemOffset(i) + h.getItemSize(i) > bottom + 1 &&
      !(h.getItemSize(i) > h.viewportSize && h.getItemOffset(i) >= top)
    )
      i--;
    for (; i >= 0; i--) {
      const r = rows[i]!;
      if (h.getItemOffset(i) + h.getItemSize(i) < top) return;
      if (r.kind === 'msg') {
        const current = client.room(room.id);
        if (current && r.message.seq > current.lastReadSeq) client.markRead(room.id, r.message.seq).catch(() => {});
        return;
      }
    }
  }, [client, room.id, rows]);

  const updateUnreadAbove = useCallback(() => {
    const h = handle.current;
    if (!h || unreadFrom === null) return;
    const idx = rows.findIndex((r) => r.unreadStart);
    setUnreadAbove(idx >= 0 && h.getItemOffset(idx) + 10 < h.scrollOffset);
  }, [rows, unreadFrom]);

  // Place the view: the saved position, else the first unread, else the end. Item sizes are
  // estimates until rendered, so the jump repeats until it holds. Virtua re-applies an
  // imperative scroll on every size change until 150 ms pass without one, so the view is only
  // handed to the reader once the position has held, sizes unchanged, for longer than that;
  // before, a newly measured row could pull a reader who had started scrolling back to where
  // the room opened. A reader's own scroll input ends our loop at once.
  const placing = useRef(false);
  useEffect(() => {
    if (!ready || positioned.current || placing.current) return;
    placing.current = true;
    const list = rowsRef.current;
    lastKey.current = list[list.length - 1]?.key;
    const m = memory.current;
    const anchorOf = () => (m && !m.atBottom ? rowsRef.current.findIndex((r) => r.key === m.anchorKey) : -1);
    const unreadOf = () => rowsRef.current.findIndex((r) => r.unreadStart);
    let apply: (h: VirtualizerHandle) => void;
    let done: (h: VirtualizerHandle) => boolean;
    if (anchorOf() >= 0) {
      atBottom.current = false;
      apply = (h) => h.scrollTo(h.getItemOffset(anchorOf()) + m!.offset);
      done = (h) => Math.abs(h.scrollOffset - (h.getItemOffset(anchorOf()) + m!.offset)) < 1;
    } else if (unreadOf() >= 0) {
      atBottom.current = false;
      apply = (h) => h.scrollToIndex(unreadOf(), { align: 'start' });
      done = (h) => Math.abs(h.scrollOffset - Math.min(h.getItemOffset(unreadOf()), h.scrollSize - h.viewportSize)) < 1;
    } else {
      apply = (h) => h.scrollToIndex(rowsRef.current.length - 1, { align: 'end' });
      done = (h) => h.scrollOffset + h.viewportSize >= h.scrollSize - 1;
    }
    let frames = 0;
    let heldSince = 0;
    let lastSize = -1;
    let raf = 0;
    let readerTookOver = false;
    const el = scroller.current;
    const takeOver = () => {
      readerTookOver = true;
    };
    const inputs = ['wheel', 'touchstart', 'keydown', 'pointerdown'] as const;
    for (const type of inputs) el?.addEventListener(type, takeOver, { passive: true });
    const step = (now: number) => {
      const h = handle.current;
      if (h && !readerTookOver && rowsRef.current.length > 0) {
        if (!done(h) || h.scrollSize !== lastSize) {
          heldSince = 0;
          apply(h);
        } else heldSince ||= now;
        lastSize = h.scrollSize;
      }
      const settled = rowsRef.current.length === 0 || (heldSince > 0 && now - heldSince >= settleMs);
      if (h && (readerTookOver || settled || ++frames > 120)) {
        for (const type of inputs) el?.removeEventListener(type, takeOver);
        positioned.current = true;
        // Anything that scrolls by script (the e2e tests) waits for this before moving the view.
        el?.setAttribute('data-placed', '');
        atBottom.current = h.scrollOffset + h.viewportSize >= h.scrollSize - bottomSlackPx;
        lastKey.current = rowsRef.current[rowsRef.current.length - 1]?.key;
        markVisible();
        updateUnreadAbove();
        remember();
        tryJump.current();
        loadMoreIfNearTop.current();
        return;
      }
      raf = requestAnimationFrame(step);
    };
    raf = requestAnimationFrame(step);
    return () => {
      cancelAnimationFrame(raf);
      for (const type of inputs) el?.removeEventListener(type, takeOver);
      placing.current = false;
    };
  }, [ready]);

  // New rows at the end: follow when at the bottom (or when they are mine), else count them.
  useLayoutEffect(() => {
    firstKey.current = rows[0]?.key;
    const h = handle.current;
    if (!positioned.current || !h) return;
    const last = rows[rows.length - 1];
    if (!last || last.key === lastKey.current) return;
    const from = rows.findIndex((r) => r.key === lastKey.current);
    lastKey.current = last.key;
    const added = rows.slice(from + 1);
    if (from < 0 && !atBottom.current) return;
    const mineAdded = added.some((r) => r.senderId === meId && r.kind !== 'msg');
    if (atBottom.current || mineAdded) {
      h.scrollToIndex(rows.length - 1, { align: 'end' });
      atBottom.current = true;
      setNewCount(0);
    } else {
      const incoming = added.filter((r) => r.kind === 'msg' && r.senderId !== meId).length;
      if (incoming) setNewCount((c) => c + incoming);
    }
  }, [rows, meId]);

  // A new row is measured a frame after it renders: check again once it has a size.
  const settleFrame = useRef(0);
  const recheck = useCallback(() => {
    cancelAnimationFrame(settleFrame.current);
    settleFrame.current = requestAnimationFrame(() => {
      markVisible();
      updateUnreadAbove();
    });
  }, [markVisible, updateUnreadAbove]);
  useEffect(() => {
    markVisible();
    recheck();
  }, [rows, ready, markVisible, recheck]);

  // Reading happens when the window has focus: mark what is in view when it comes back.
  useEffect(() => {
    const again = () => markVisible();
    addEventListener('focus', again);
    document.addEventListener('visibilitychange', again);
    return () => {
      removeEventListener('focus', again);
      document.removeEventListener('visibilitychange', again);
    };
  }, [markVisible]);

  // Remember where the reader was, for coming back to this room. Saved as the reader
  // scrolls: by the time an unmount cleanup runs, React has already let go of the handle.
  const remember = useCallback(() => {
    const h = handle.current;
    const list = rowsRef.current;
    if (!h || !positioned.current || list.length === 0) return;
    const start = Math.min(list.length - 1, h.findItemIndex(h.scrollOffset));
    stores.scroll.set(room.id, {
      anchorKey: list[start]!.key,
      offset: h.scrollOffset - h.getItemOffset(start),
      atBottom: atBottom.current,
      cache: h.cache,
      length: list.length,
    });
  }, [room.id, stores]);

  const loadOlder = useCallback(() => {
    if (olderBusy.current || !client.hasMoreHistory(room.id) || rows.length === 0) return;
    olderBusy.current = true;
    setOlderLoading(true);
    client
      .loadHistory(room.id, { limit: Limits.maxHistoryPage })
      .then(
        () => requestAnimationFrame(() => loadMoreIfNearTop.current()),
        () => {},
      )
      .finally(() => {
        olderBusy.current = false;
        setOlderLoading(false);
      });
  }, [client, room.id, rows.length]);
  // A view still near the top after a page landed (or placed there) would wait for a scroll
  // event that never comes: at scrollTop 0, scrolling further up fires none.
  const loadMoreIfNearTop = useRef(() => {});
  loadMoreIfNearTop.current = () => {
    const h = handle.current;
    if (h && positioned.current && h.scrollOffset < prefetchPx) loadOlder();
  };

  const frame = useRef(0);
  const onScroll = useCallback(
    (offset: number) => {
      const h = handle.current;
      if (!h || !positioned.current) return;
      atBottom.current = offset + h.viewportSize >= h.scrollSize - bottomSlackPx;
      if (atBottom.current) setNewCount(0);
      if (offset < prefetchPx) loadOlder();
      cancelAnimationFrame(frame.current);
      frame.current = requestAnimationFrame(() => {
        markVisible();
        updateUnreadAbove();
        remember();
      });
    },
    [loadOlder, markVisible, updateUnreadAbove, remember],
  );

  useEffect(() => {
    if (!wantFocus.current) return;
    wantFocus.current = false;
    scroller.current?.querySelector<HTMLElement>(`article[data-index="${focusIndex}"]`)?.focus({ preventScroll: true });
  });

  const onKeyDown = useCallback(
    (e: KeyboardEvent<HTMLDivElement>) => {
      if (!(e.target instanceof HTMLElement) || e.target.tagName !== 'ARTICLE') {
        if (e.key === 'Escape' && !e.defaultPrevented) document.getElementById('composer')?.focus();
        return;
      }
      // The focused message, also when a click (not the arrows) put focus there.
      const from = Number(e.target.dataset.index ?? focusIndex);
      let next = from;
      switch (e.key) {
        case 'ArrowDown':
          next = Math.min(rows.length - 1, from + 1);
          break;
        case 'ArrowUp':
          next = Math.max(0, from - 1);
          break;
        case 'Home':
          next = 0;
          break;
        case 'End':
          next = rows.length - 1;
          break;
        case 'PageDown':
          next = Math.min(rows.length - 1, from + 5);
          break;
        case 'PageUp':
          next = Math.max(0, from - 5);
          break;
        case 'Enter': {
          const row = rows[from];
          if (row) setMenuFor(row.key);
          e.preventDefault();
          return;
        }
        case 'Escape':
          e.preventDefault();
          document.getElementById('composer')?.focus();
          return;
        default:
          return;
      }
      e.preventDefault();
      const key = rows[next]?.key ?? null;
      setFocusKey(key);
      wantFocus.current = true;
      handle.current?.scrollToIndex(next, { align: 'nearest' });
    },
    [focusIndex, rows],
  );

  const ctx: ListCtx = { rows, focusIndex, busy: olderLoading || !ready, label: t('chat.feed', { room: room.name }), onKeyDown };
  const keep = useMemo(() => [focusIndex], [focusIndex]);

  return (
    <div className="messages">
      {unreadAbove && (
        <button
          type="button"
          className="jump-unread"
          onClick={() => {
            const idx = rows.findIndex((r) => r.unreadStart);
            if (idx >= 0) handle.current?.scrollToIndex(idx, { align: 'start' });
          }}
        >
          {t('chat.jumpUnread')}
        </button>
      )}
      <div className="message-scroller" ref={scroller} data-testid="message-scroller">
        {olderLoading && (
          <p className="loading-older" role="status">
            {t('chat.loadingOlder')}
          </p>
        )}
        {ready && rows.length === 0 && <p className="empty-room">{t('chat.empty')}</p>}
        <ListContext.Provider value={ctx}>
          <Virtualizer
            ref={handle}
            scrollRef={scroller}
            data={rows}
            shift={prependedNow}
            keepMounted={keep}
            cache={initialCache}
            as={Feed}
            item={Item}
            onScroll={onScroll}
            onResize={recheck}
            bufferSize={400}
          >
            {(row: Row) => (
              <MessageRow
                key={row.key}
                row={row}
                room={room}
                meId={meId}
                menuOpen={menuFor === row.key}
                setMenu={setMenuFor}
                editing={editing === row.key}
                setEditing={setEditing}
              />
            )}
          </Virtualizer>
        </ListContext.Provider>
      </div>
      {newCount > 0 && (
        <button
          type="button"
          className="new-pill"
          data-testid="new-pill"
          onClick={() => {
            handle.current?.scrollToIndex(rows.length - 1, { align: 'end' });
            atBottom.current = true;
            setNewCount(0);
          }}
        >
          {t('chat.newMessages', { count: newCount })}
        </button>
      )}
    </div>
  );
}
