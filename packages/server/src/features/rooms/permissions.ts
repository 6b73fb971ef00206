/** The matrix lives in the protocol package so clients offer exactly what the server allows. */
export { can, outranks, type RoomAction } from '@chatchat/protocol';
