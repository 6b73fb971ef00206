import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * Signed download links, so `<img src>` works without putting a token in a URL: the
 * signature binds attachment, variant, user and expiry. The download still checks the
 * user's access at use; the signature only stands in for the bearer header.
 */
export function createDownloadLinks({ secret }: { secret: string }) {
  const key = createHmac('sha256', secret).update('chatchat attachment links v1').digest();
  const sign = (id: string, variant: string, userId: string, exp: number) =>
    createHmac('sha256', key).update(`${id}\n${variant}\n${userId}\n${exp}`).digest('base64url');
  return {
    sign(id: string, variant: string | undefined, userId: string, exp: number): string {
      const q = new URLSearchParams({
        ...(variant ? { variant } : {}),
        u: userId,
        exp: String(exp),
        sig: sign(id, variant ?? '', userId, exp),
      });
      return `/api/v1/attachments/${encodeURIComponent(id)}?${q}`;
    },
    /** True when the signature is ours; expiry is the caller's to check against its clock. */
    verify(id: string, variant: string | undefined, userId: string, exp: number, sig: string): boolean {
      const want = Buffer.from(sign(id, variant ?? '', userId, exp));
      const got = Buffer.from(sig);
      return want.length === got.length && timingSafeEqual(want, got);
    },
  };
}
