/**
 * Screenshots for the README: Korean and English, desktop and phone, against a real server
 * with a little seeded conversation (a picture, a reply, reactions, a pin, a notice).
 * `node --import tsx apps/web/scripts/screenshots.ts`; Korean and emoji glyphs need Debian's
 * fonts-noto-cjk and fonts-noto-color-emoji (without them Chromium draws empty boxes).
 */
import { mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';
import { startHarness, openRoom } from '../test/harness.js';

const out = fileURLToPath(new URL('../../../docs/screenshots/', import.meta.url));
mkdirSync(out, { recursive: true });

const h = await startHarness({ JOB_POLL_MS: '20' });
try {
  const [jimin, minjun, sora, alex] = await Promise.all([h.user('지민'), h.user('민준'), h.user('소라'), h.user('Alex')]);
  const team = await h.room(jimin, '디자인 팀', [minjun, sora, alex]);
  const direct = (await h.api<{ room: { id: string } }>(minjun, 'POST', '/api/v1/rooms/direct', { userId: jimin.id })).room;
  await h.room(alex, 'Weekend hike', [jimin, sora]);
  const [cj, cm, cs, ca] = await Promise.all([h.sdk(jimin), h.sdk(minjun), h.sdk(sora), h.sdk(alex)]);
  await h.api(jimin, 'POST', `/api/v1/rooms/${team.id}/notices`, { body: '금요일 오후 3시 디자인 리뷰 — 시안은 목요일까지 올려 주세요.' });
  const draft = await cm.send(team.id, '오늘 시안 공유드려요! https://example.com/drafts/v3');
  // A picture: a soft gradient stands in for a design draft.
  const picture = await sharp({ create: { width: 960, height: 600, channels: 3, background: '#4c6ef5' } })
    .composite([
      {
        input: Buffer.from(
          '<svg width="960" height="600"><rect x="80" y="80" width="800" height="440" rx="36" fill="#edf2ff"/><rect x="140" y="150" width="420" height="48" rx="12" fill="#748ffc"/><rect x="140" y="230" width="680" height="28" rx="10" fill="#bac8ff"/><rect x="140" y="280" width="600" height="28" rx="10" fill="#bac8ff"/><circle cx="760" cy="420" r="60" fill="#f59f00"/></svg>',
        ),
      },
    ])
    .png()
    .toBuffer();
  const uploadId = await cm.upload(new Blob([new Uint8Array(picture)], { type: 'image/png' }), { roomId: team.id, name: '시안-v3.png' });
  await cm.request('message.send', { roomId: team.id, clientMsgId: 'shot-picture', attachments: [uploadId] });
  const contrast = await cs.send(team.id, '색상 대비가 훨씬 좋아졌네요 👍');
  await ca.send(team.id, 'The new spacing looks great. Ship it?');
  await Promise.all([cj.react(contrast.id, '👍'), ca.react(contrast.id, '👍'), cm.react(contrast.id, '🎉')]);
  await cj.send(team.id, '좋아요, 금요일 리뷰 때 최종 확정해요.', { replyTo: draft.id });
  await cj.pin(draft.id);
  await cm.send(team.id, '네 알겠습니다');
  await cm.send(direct.id, '점심 같이 먹을래요?');
  const hike = cj.rooms().find((r) => r.name === 'Weekend hike')!;
  await ca.send(hike.id, 'Saturday 8am at the trailhead?');
  await cs.send(hike.id, 'Works for me!');
  await cm.typing(team.id);

  const shots = [
    { name: 'desktop-ko', locale: 'ko-KR', viewport: { width: 1280, height: 760 }, room: '디자인 팀' },
    { name: 'desktop-en', locale: 'en-US', viewport: { width: 1280, height: 760 }, room: '디자인 팀' },
    { name: 'phone-ko', locale: 'ko-KR', viewport: { width: 375, height: 740 }, room: '디자인 팀' },
    { name: 'phone-en-list', locale: 'en-US', viewport: { width: 375, height: 740 }, room: null },
  ];
  for (const shot of shots) {
    const page = await h.open(jimin, { locale: shot.locale, viewport: shot.viewport, permissions: ['notifications'] });
    if (shot.room) await openRoom(page, shot.room);
    await page
      .locator('article')
      .first()
      .waitFor()
      .catch(() => {});
    await page.screenshot({ path: `${out}${shot.name}.png` });
    await page.context().close();
    console.log(`docs/screenshots/${shot.name}.png`);
  }
  const signin = await h.browser.newContext({ baseURL: h.url, locale: 'ko-KR', viewport: { width: 375, height: 740 } });
  const p = await signin.newPage();
  await p.goto('/');
  await p.getByRole('heading', { name: '로그인' }).waitFor();
  await p.screenshot({ path: `${out}phone-ko-signin.png` });
  await signin.close();
} finally {
  await h.close();
}
