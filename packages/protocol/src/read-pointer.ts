/**
 * Storing a message moves its sender's read pointer up to it: nobody has unread messages
 * of their own. The server's store applies this in the same transaction as the insert (the
 * store contract suite specifies it); clients apply this function to acknowledgements and
 * live events instead of deriving the rule again.
 */
export function readSeqAfterMessage(
  reader: { readonly userId: string; readonly lastReadSeq: number },
  message: { readonly senderId: string; readonly seq: number },
): number {
  return reader.userId === message.senderId ? Math.max(reader.lastReadSeq, message.seq) : reader.lastReadSeq;
}
