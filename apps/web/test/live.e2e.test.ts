import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { messageLocator, openRoom, startHarness, waitFor, type Harness } from './harness.js';

/** Issue 9 "Done when" 8–10: live presence, profiles, notices, members, typing; notifications; Korean and English. */
// Real browsers on two shared cores: a scenario takes seconds, more when other files run beside it.
vi.setConfig({ testTimeout: 120_000, hookTimeout: 120_000 });

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
}, 120_000);
afterAll(() => h?.close());

const people = (page: Page) => page.getByTestId('people');

describe('live', () => {
  it('8: presence, a rename, a new notice, a member joining and leaving, typing: each reaches the other browser live', async () => {
    const [a, b, c] = await Promise.all([h.user('Alice'), h.user('Bob'), h.user('Carol')]);
    await h.room(a, 'Team', [b]);
    const pa = await h.open(a);
    await openRoom(pa, 'Team');
    const bobRow = people(pa).locator(`li[data-user-id="${b.id}"]`);
    await bobRow.getByText('Offline').waitFor();

    const pb = await h.open(b);
    await bobRow.getByText('Online').waitFor();
    await openRoom(pb, 'Team');

    await h.api(b, 'PATCH', '/api/v1/me', { displayName: 'Bobby' });
    await bobRow.locator('.person-name', { hasText: 'Bobby' }).waitFor();

    const room = (await h.api<{ rooms: { id: string; name: string }[] }>(a, 'GET', '/api/v1/rooms')).rooms.find((r) => r.name === 'Team')!;
    await h.api(a, 'POST', `/api/v1/rooms/${room.id}/notices`, { body: 'Standup at 10' });
    await pb.getByTestId('notice-banner').getByText('Standup at 10').waitFor();
    await pb.getByTestId('notice-alert').waitFor();

    await h.api(a, 'POST', `/api/v1/rooms/${room.id}/members`, { userIds: [c.id] });
    await people(pb).locator(`li[data-user-id="${c.id}"]`).waitFor();
    await h.api(c, 'DELETE', `/api/v1/rooms/${room.id}/members/me`);
    await people(pb).locator(`li[data-user-id="${c.id}"]`).waitFor({ state: 'detached' });

    await pa.locator('#composer').pressSequentially('typing');
    await pb.getByTestId('typing').getByText('Alice is typing…').waitFor();

    await pb.context().close();
    await bobRow.getByText('Offline').waitFor();
    expect(h.pageErrors).toEqual([]);
  });
});

/** Records notifications instead of showing them (the page cannot be asked what the OS showed). */
const recordNotifications = () => {
  const shown: string[] = [];
  (window as unknown as { shownNotifications: string[] }).shownNotifications = shown;
  const Real = window.Notification;
  class Recorder {
    static get permission() {
      return Real.permission;
    }
    static requestPermission = Real.requestPermission.bind(Real);
    onclick: unknown = null;
    constructor(title: string, options?: NotificationOptions) {
      shown.push(`${title}|${options?.body ?? ''}`);
    }
    close() {}
  }
  (window as unknown as { Notification: unknown }).Notification = Recorder;
};

const setHidden = (page: Page, hidden: boolean) =>
  page.evaluate((value) => {
    Object.defineProperty(document, 'hidden', { configurable: true, get: () => value });
    Object.defineProperty(document, 'visibilityState', { configurable: true, get: () => (value ? 'hidden' : 'visible') });
    document.dispatchEvent(new Event('visibilitychange'));
  }, hidden);

describe('notifications', () => {
  it('9: notify only while hidden or in another room, with the right title count; a denied permission is explained and nothing breaks', async () => {
    const [a, b] = await Promise.all([h.user('Alice'), h.user('Bob')]);
    const room = await h.room(a, 'Pings', [b]);
    const client = await h.sdk(a);
    const pb = await h.open(b, { permissions: ['notifications'] });
    await pb.addInitScript(recordNotifications);
    await pb.reload();
    await openRoom(pb, 'Pings');
    const shown = () => pb.evaluate(() => (window as unknown as { shownNotifications: string[] }).shownNotifications);

    await client.send(room.id, 'seen in the open room');
    await messageLocator(pb, 'seen in the open room').waitFor();
    await setHidden(pb, true);
    await client.send(room.id, 'while hidden 1');
    await client.send(room.id, 'while hidden 2');
    await waitFor(async () => (await shown()).length === 2, { what: 'two notifications' });
    expect(await shown()).toEqual(['Alice · Pings|while hidden 1', 'Alice · Pings|while hidden 2']);
    // Hidden means unseen: nothing was marked read, and the title counts both.
    await pb
      .waitForFunction(() => document.title.startsWith('(2) '))
      .catch(async (e) => {
        throw new Error(`title ${await pb.title()}: ${e}`);
      });
    await setHidden(pb, false);
    await pb.waitForFunction(() => !document.title.startsWith('('));

    const denied = await h.open(b);
    await denied.getByTestId('notify-denied').waitFor();
    await openRoom(denied, 'Pings');
    await denied.locator('#composer').fill('still works');
    await denied.keyboard.press('Enter');
    await waitFor(() => client.messages(room.id).some((m) => m.body === 'still works'), { what: 'a send with notifications denied' });
    expect(h.pageErrors).toEqual([]);
  });
});

describe('languages', () => {
  it('10: Korean and English screens follow the browser, with localised date separators; the choice is remembered', async () => {
    const [a, b] = await Promise.all([h.user('Alice'), h.user('민준')]);
    await h.room(a, 'Both', [b]);
    const client = await h.sdk(a);
    const rooms = client.rooms();
    await client.send(rooms[0]!.id, 'hello');

    const ko = await h.open(b, { locale: 'ko-KR' });
    await ko.getByRole('button', { name: '새 그룹' }).waitFor();
    await openRoom(ko, 'Both');
    const koDay = await ko.getByTestId('day-separator').first().textContent();
    expect(koDay).toMatch(/\d{4}년 \d{1,2}월 \d{1,2}일 [월화수목금토일]요일/);

    const en = await h.open(a, { locale: 'en-US' });
    await en.getByRole('button', { name: 'New group' }).waitFor();
    await openRoom(en, 'Both');
    const enDay = await en.getByTestId('day-separator').first().textContent();
    expect(enDay).toMatch(/^(Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday), [A-Z][a-z]+ \d{1,2}, \d{4}$/);

    // A Korean name in a Korean sentence takes its particle: 민준 ends in a consonant → 민준이.
    // Both readers are open before the typing starts: the SDK sends typing at most once per
    // Limits.typingIntervalMs, so a reader opened later could miss the only event.
    const koReader = await h.open(a, { locale: 'ko-KR' });
    await openRoom(koReader, 'Both');
    await ko.locator('#composer').pressSequentially('안녕');
    await en.getByTestId('typing').getByText('민준 is typing…').waitFor();
    await koReader.getByTestId('typing').getByText('민준이 입력 중…').waitFor();

    // Switching is remembered across reloads.
    await en.goto('/profile');
    await en.getByLabel('Language').first().selectOption('ko');
    await en.getByRole('heading', { name: '프로필' }).waitFor();
    await en.reload();
    await en.getByRole('heading', { name: '프로필' }).waitFor();
  });
});
