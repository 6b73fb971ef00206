/** `@chatchat/server`: start a ChatChat server in-process (what `chatchat serve` does). */
export { startChatServer, openStore, type ChatServer, type StartOptions } from './app.js';
export { loadConfig, ConfigError, type Config, type Role } from './config.js';
export { createLogger } from './logger.js';
