// Kept for files not yet moved to the testing entry (@chatchat/server/testing).
export { createTcpProxy, type TcpProxy, type TcpProxyOptions } from '../testing/tcp-proxy.js';
