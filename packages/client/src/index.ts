export { createChatClient } from './chat-client.js';
export type {
  ChatClient,
  ChatClientOptions,
  ChatClientEvents,
  ChatClientEventName,
  LifecycleEvents,
  LoadHistoryOptions,
  SendOptions,
  UnreadSignal,
} from './chat-client.js';
export { ChatClientError, isRetryable, type ClientErrorCode } from './chat-client-error.js';
export { createHttpApi } from './http-api.js';
export type { HttpApi, HttpApiOptions, HttpMethod, HttpRequestOptions } from './http-api.js';
export { createTransport } from './transport.js';
export type {
  Transport,
  TransportOptions,
  TransportEvents,
  TransportStatus,
  DisconnectInfo,
  RequestOptions,
  WebSocketLike,
  WebSocketConstructor,
} from './transport.js';
export { createBackoff, defaultBackoff, type Backoff, type BackoffOptions } from './backoff.js';
export {
  createChatState,
  applySnapshot,
  applyEvent,
  applyMessage,
  applyMessageUpdate,
  applyHistory,
  applyMembers,
  applyOwnRead,
  addToOutbox,
  removeFromOutbox,
  totalUnread,
  readCount,
  typingUsers,
  pruneTyping,
  nextTypingExpiry,
  roomList,
  messagesOf,
  pendingOf,
  hasMessage,
} from './chat-state.js';
export type { ChatState, HelloSnapshot, OutboxEntry } from './chat-state.js';
export {
  emptyWindow,
  windowFrom,
  mergeMessages,
  updateMessage,
  newerMessage,
  gapOf,
  findBySeq,
  lowestSeq,
  markReachedStart,
} from './message-window.js';
export type { MessageWindow } from './message-window.js';
export { createEmitter, type Emitter, type Unsubscribe } from './emitter.js';
export { wsUrlFrom, apiUrlFrom } from './endpoint-urls.js';
export { randomId, timeOrderedId } from './random-id.js';
export { uploadFile, type UploadOptions, type UploadProgress, type UploadDeps } from './upload.js';
export type { ConversationApi, SearchOptions } from './conversation-api.js';
export { notifies, isMuted, readMentions, countMention, applyReactionUpdate, applyReactionCounts } from './conversation-state.js';
export type { ReactionTable } from './conversation-state.js';
export { totalMentions, reactionsOf } from './chat-state.js';
