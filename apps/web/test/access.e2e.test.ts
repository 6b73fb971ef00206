import { Limits } from '@chatchat/protocol';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { messageLocator, openRoom, startHarness, waitFor, type Harness } from './harness.js';
import { axeViolations } from './axe.js';

/** Issue 9 "Done when" 11–12: axe-core on every screen, keyboard only, the live region; bad input in forms. */

// Real browsers on two shared cores: a scenario takes seconds, more when other files run beside it.
vi.setConfig({ testTimeout: 120_000, hookTimeout: 120_000 });

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
}, 120_000);
afterAll(() => h?.close());

describe('accessibility', () => {
  it('11: zero axe violations on sign-in, room list, chat, participants, profile (both languages); keyboard only; one live line per message', async () => {
    const [a, b] = await Promise.all([h.user('Alice'), h.user('Bob')]);
    const room = await h.room(a, 'Quiet', [b]);
    const client = await h.sdk(a);
    await client.send(room.id, 'an older message with a link https://example.com/x');

    const context = await h.browser.newContext({ baseURL: h.url, locale: 'en-US', viewport: { width: 1280, height: 800 } });
    const page = await context.newPage();
    await page.goto('/');
    await page.getByRole('heading', { name: 'Sign in' }).waitFor();
    expect(await axeViolations(page)).toEqual([]);

    // Keyboard only: sign in, open the room, send.
    await page.keyboard.press('Tab'); // language
    await page.keyboard.press('Tab'); // username
    await page.keyboard.type(b.username);
    await page.keyboard.press('Tab');
    await page.keyboard.type(b.password);
    await page.keyboard.press('Enter');
    await page.locator('.room-item').first().waitFor();
    expect(await axeViolations(page)).toEqual([]);
    for (let i = 0; i < 20; i++) {
      await page.keyboard.press('Tab');
      if (await page.evaluate(() => document.activeElement?.classList.contains('room-item'))) break;
    }
    await page.keyboard.press('Enter');
    await page.locator('#chat-title', { hasText: 'Quiet' }).waitFor();
    await page.waitForFunction(() => document.activeElement?.id === 'composer');
    expect(await page.title()).toContain('Quiet');
    await page.keyboard.type('typed with keys only');
    await page.keyboard.press('Enter');
    await waitFor(() => client.messages(room.id).some((m) => m.body === 'typed with keys only'), { what: 'the keyboard send' });
    await messageLocator(page, 'typed with keys only').locator('.msg-meta time').waitFor();
    expect(await page.locator('a[href="https://example.com/x"][rel="noopener noreferrer"]').count()).toBe(1);

    // One tab stop into the feed, arrows between messages, Escape back to the composer.
    await page.keyboard.press('Shift+Tab');
    for (let i = 0; i < 10 && !(await page.evaluate(() => document.activeElement?.tagName === 'ARTICLE')); i++)
      await page.keyboard.press('Shift+Tab');
    const focused = () => page.evaluate(() => document.activeElement?.querySelector('.bubble')?.textContent ?? null);
    expect(await focused()).toBe('typed with keys only');
    await page.keyboard.press('ArrowUp');
    await page.waitForFunction(() => document.activeElement?.querySelector('.bubble')?.textContent?.startsWith('an older message'));
    expect(await page.locator('article[tabindex="0"]').count()).toBe(1);
    await page.keyboard.press('Escape');
    await page.waitForFunction(() => document.activeElement?.id === 'composer');
    expect(await axeViolations(page)).toEqual([]);

    // The live region: exactly one line per incoming message, "sender: text".
    for (const text of ['first ping', 'second ping', 'third ping']) await client.send(room.id, text);
    await messageLocator(page, 'third ping').waitFor();
    await page.getByTestId('live-region').locator('p', { hasText: 'Alice: third ping' }).waitFor({ state: 'attached' });
    expect(await page.getByTestId('live-region').locator('p').allTextContents()).toEqual([
      'Alice: first ping',
      'Alice: second ping',
      'Alice: third ping',
    ]);

    await page.getByRole('button', { name: 'People', exact: true }).waitFor();
    await page.getByTestId('people').waitFor();
    expect(await axeViolations(page)).toEqual([]);
    await page.getByRole('button', { name: /\(Profile\)/ }).click();
    await page.getByRole('heading', { name: 'Profile' }).waitFor();
    expect(await axeViolations(page)).toEqual([]);
    await page.getByLabel('Language').first().selectOption('ko');
    await page.getByRole('heading', { name: '프로필' }).waitFor();
    expect(await axeViolations(page)).toEqual([]);
    await openRoom(page, 'Quiet');
    expect(await axeViolations(page)).toEqual([]);
    await context.close();
    expect(h.pageErrors).toEqual([]);
  });
});

describe('bad input', () => {
  it('12: short password, taken username, over-long name and message: a clear localised message, nothing typed is lost', async () => {
    const [a, b] = await Promise.all([h.user('Alice'), h.user('Bob')]);
    await h.room(a, 'Limits', [b]);
    const context = await h.browser.newContext({ baseURL: h.url, locale: 'ko-KR' });
    const page = await context.newPage();
    await page.goto('/');
    await page.getByRole('button', { name: '처음이신가요? 회원 가입' }).click();
    await page.getByLabel('아이디').fill('newcomer_1');
    await page.getByLabel('표시 이름').fill('새 사람');
    await page.getByLabel('비밀번호').fill('short');
    await page.getByRole('button', { name: '가입하기' }).click();
    await page.getByRole('alert').getByText('비밀번호는 8자 이상이어야 합니다.').waitFor();
    expect(await page.getByLabel('아이디').inputValue()).toBe('newcomer_1');
    expect(await page.getByLabel('비밀번호').inputValue()).toBe('short');

    await page.getByLabel('아이디').fill(a.username);
    await page.getByLabel('비밀번호').fill('long enough password');
    await page.getByRole('button', { name: '가입하기' }).click();
    await page.getByRole('alert').getByText('이미 사용 중인 아이디입니다. 다른 아이디를 입력해 주세요.').waitFor();
    expect(await page.getByLabel('표시 이름').inputValue()).toBe('새 사람');
    await context.close();

    const pb = await h.open(b);
    await pb.getByRole('button', { name: /\(Profile\)/ }).click();
    const longName = 'n'.repeat(Limits.maxDisplayNameChars + 1);
    await pb.getByLabel('Display name').fill(longName);
    await pb.getByRole('button', { name: 'Save' }).click();
    await pb.getByRole('alert').getByText(`The name can have at most ${Limits.maxDisplayNameChars} characters.`).waitFor();
    expect(await pb.getByLabel('Display name').inputValue()).toBe(longName);

    await openRoom(pb, 'Limits');
    const longMessage = 'm'.repeat(Limits.maxMessageChars + 1);
    await pb.locator('#composer').fill(longMessage);
    await pb.keyboard.press('Enter');
    await pb
      .getByRole('alert')
      .getByText(/This message is too long: 4001 of at most 4000 characters/)
      .waitFor();
    expect(await pb.locator('#composer').inputValue()).toBe(longMessage);
    expect(h.pageErrors).toEqual([]);
  });
});
