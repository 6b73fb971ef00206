import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { messageLocator, openRoom, startHarness, waitFor, type Harness } from './harness.js';
import { axeViolations } from './axe.js';

/** Issue 12 on the web: replies, reactions, mentions, search, pins and room settings, two real browsers. */
// Real browsers on two shared cores: a scenario takes seconds, more when other files run beside it.
vi.setConfig({ testTimeout: 120_000, hookTimeout: 120_000 });

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
}, 120_000);
afterAll(() => h?.close());

/** Opens a message's action menu the keyboard way: focus the message, Enter. */
async function openActions(page: Page, text: string) {
  const article = messageLocator(page, text);
  await article.focus();
  await page.keyboard.press('Enter');
  const menu = article.getByRole('group', { name: 'Message actions' });
  await menu.waitFor();
  return menu;
}

const roomItem = (page: Page, roomId: string) => page.locator(`.room-item[data-room-id="${roomId}"]`);

describe('replies', () => {
  it('a reply shows its quote to the other user live; the quote follows an edit and a deletion; clicking it jumps to the original', async () => {
    const [a, b] = await Promise.all([h.user('Alice'), h.user('Bob')]);
    const room = await h.room(a, 'Replies', [b]);
    const client = await h.sdk(a);
    const original = await client.send(room.id, 'original question');
    await client.send(room.id, 'something in between');
    const [pa, pb] = await Promise.all([h.open(a), h.open(b)]);
    await Promise.all([openRoom(pa, 'Replies'), openRoom(pb, 'Replies')]);

    // Cancel first: the quote leaves the composer.
    await (await openActions(pb, 'original question')).getByRole('button', { name: 'Reply' }).click();
    const draft = pb.getByTestId('reply-draft');
    await draft.getByText('Replying to Alice').waitFor();
    await draft.getByRole('button', { name: 'Cancel the reply' }).click();
    await draft.waitFor({ state: 'detached' });

    await (await openActions(pb, 'original question')).getByRole('button', { name: 'Reply' }).click();
    await draft.getByText('original question').waitFor();
    await pb.waitForFunction(() => document.activeElement?.id === 'composer');
    await pb.keyboard.type('my answer');
    await pb.keyboard.press('Enter');
    await draft.waitFor({ state: 'detached' });
    await waitFor(() => client.messages(room.id).some((m) => m.body === 'my answer' && m.replyTo?.messageId === original.id), {
      what: 'the reply stored with its quote',
    });

    const quoteIn = (page: Page) => messageLocator(page, 'my answer').getByTestId('reply-quote');
    await quoteIn(pa).locator('.reply-who', { hasText: 'You' }).waitFor();
    await quoteIn(pa).locator('.reply-text', { hasText: 'original question' }).waitFor();
    await quoteIn(pb).locator('.reply-who', { hasText: 'Alice' }).waitFor();
    expect(await axeViolations(pb)).toEqual([]);

    await client.edit(original.id, 'original question, sharpened');
    await quoteIn(pb).locator('.reply-text', { hasText: 'original question, sharpened (edited)' }).waitFor();
    await quoteIn(pa).locator('.reply-text', { hasText: 'original question, sharpened (edited)' }).waitFor();

    await quoteIn(pb).click();
    await pb.waitForFunction(
      (seq) => document.activeElement?.tagName === 'ARTICLE' && document.activeElement.getAttribute('data-seq') === String(seq),
      original.seq,
    );

    await client.delete(original.id);
    await quoteIn(pb)
      .locator('.reply-text', { hasText: /^Deleted message$/ })
      .waitFor();
    await quoteIn(pa)
      .locator('.reply-text', { hasText: /^Deleted message$/ })
      .waitFor();
    expect(h.pageErrors).toEqual([]);
  });
});

describe('reactions', () => {
  it('a reaction from the menu and chip toggles reach the other browser live, with counts, mine pressed, who reacted on hover', async () => {
    const [a, b] = await Promise.all([h.user('Alice'), h.user('Bob')]);
    const room = await h.room(a, 'Reactions', [b]);
    const client = await h.sdk(a);
    await client.send(room.id, 'react to me');
    const [pa, pb] = await Promise.all([h.open(a), h.open(b)]);
    await Promise.all([openRoom(pa, 'Reactions'), openRoom(pb, 'Reactions')]);

    await (await openActions(pb, 'react to me')).getByRole('button', { name: 'React', exact: true }).click();
    const picker = messageLocator(pb, 'react to me').getByTestId('emoji-picker');
    await picker.waitFor();
    expect(await axeViolations(pb)).toEqual([]);
    await picker.getByRole('button', { name: 'React with 👍' }).click();

    const chip = (page: Page) => messageLocator(page, 'react to me').locator('.reaction-chip[data-emoji="👍"]');
    await chip(pb).and(pb.locator('[aria-pressed="true"]')).getByText('1').waitFor();
    await chip(pa).and(pa.locator('[aria-pressed="false"]')).getByText('1').waitFor();

    await chip(pa).click();
    await chip(pa).and(pa.locator('[aria-pressed="true"]')).getByText('2').waitFor();
    await chip(pb).and(pb.locator('[aria-pressed="true"]')).getByText('2').waitFor();
    await chip(pb).hover();
    await pb.waitForFunction(() => {
      const title = document.querySelector('.reaction-chip[data-emoji="👍"]')?.getAttribute('title') ?? '';
      return title.includes('Alice') && title.includes('Bob');
    });

    // A long press (the context menu) shows the names where there is no hover.
    await chip(pb).click({ button: 'right' });
    await messageLocator(pb, 'react to me')
      .getByTestId('who-reacted')
      .getByText(/Reacted: (Bob, Alice|Alice, Bob)/)
      .waitFor();

    await chip(pb).click();
    await chip(pb).and(pb.locator('[aria-pressed="false"]')).getByText('1').waitFor();
    await chip(pa).and(pa.locator('[aria-pressed="true"]')).getByText('1').waitFor();
    await chip(pa).click();
    await chip(pb).waitFor({ state: 'detached' });
    expect(await axeViolations(pa)).toEqual([]);
    expect(h.pageErrors).toEqual([]);
  });
});

describe('mentions', () => {
  it('@ suggests members by keyboard (no @all for a plain member), the mention is highlighted and the @ marker clears on reading', async () => {
    const [a, b, c] = await Promise.all([h.user('Alice'), h.user('Bob'), h.user('Carol')]);
    const room = await h.room(a, 'Mentions', [b, c]);
    const other = await h.room(a, 'Elsewhere', [b]);
    const client = await h.sdk(a);
    await client.send(other.id, 'elsewhere first');
    const [pa, pb] = await Promise.all([h.open(a), h.open(b)]);
    await openRoom(pa, 'Elsewhere');
    await openRoom(pb, 'Mentions');

    await pb.locator('#composer').click();
    await pb.keyboard.type('hi @');
    const list = pb.getByTestId('mention-list');
    await list.getByRole('option', { name: /Alice/ }).waitFor();
    await list.getByRole('option', { name: /Carol/ }).waitFor();
    expect(await list.getByRole('option', { name: /@all/ }).count()).toBe(0);
    expect(await axeViolations(pb)).toEqual([]);
    // Alice comes first; ArrowDown to Carol and back, Enter picks.
    await pb.keyboard.press('ArrowDown');
    await list.getByRole('option', { name: /Carol/, selected: true }).waitFor();
    await pb.keyboard.press('ArrowUp');
    await list.getByRole('option', { name: /Alice/, selected: true }).waitFor();
    await pb.keyboard.press('Enter');
    await list.waitFor({ state: 'detached' });
    expect(await pb.locator('#composer').inputValue()).toBe(`hi @${a.username} `);
    await pb.keyboard.type('look at this');
    await pb.keyboard.press('Enter');
    const body = `hi @${a.username} look at this`;
    await waitFor(() => client.messages(room.id).some((m) => m.body === body && m.mentions.includes(a.id)), {
      what: 'the mention stored',
      timeoutMs: 15_000,
    });

    await roomItem(pa, room.id).getByTestId('mention-marker').waitFor();
    expect(await roomItem(pa, other.id).getByTestId('mention-marker').count()).toBe(0);
    await openRoom(pa, 'Mentions');
    await messageLocator(pa, body).getByTestId('mention-me').getByText(`@${a.username}`).waitFor();
    await roomItem(pa, room.id).getByTestId('mention-marker').waitFor({ state: 'detached' });
    // Bob sees the name marked, not as a mention of him.
    await messageLocator(pb, body).getByTestId('mention').waitFor();

    // The owner is offered @all.
    await pa.locator('#composer').click();
    await pa.keyboard.type('@a');
    await pa.getByTestId('mention-list').getByRole('option', { name: /@all/ }).waitFor();
    await pa.keyboard.press('Escape');
    await pa.getByTestId('mention-list').waitFor({ state: 'detached' });
    expect(h.pageErrors).toEqual([]);
  });
});

describe('search', () => {
  it('finds a message in my rooms with the terms marked and opens it; a room I am not in is never found; empty and no-result states', async () => {
    const [a, b, c] = await Promise.all([h.user('Alice'), h.user('Bob'), h.user('Carol')]);
    const target = await h.room(a, 'Budget', [b]);
    await h.room(a, 'Lobby', [b]);
    const secret = await h.room(c, 'Secret', []);
    const [ca, cc] = await Promise.all([h.sdk(a), h.sdk(c)]);
    const found = await ca.send(target.id, 'quarterly budget review');
    for (let i = 0; i < 5; i++) await ca.send(target.id, `filler ${i}`);
    await cc.send(secret.id, 'quarterly secret plan');

    const pb = await h.open(b);
    await openRoom(pb, 'Lobby');
    await pb.getByRole('button', { name: 'Search', exact: true }).click();
    const panel = pb.getByTestId('message-search');
    await panel.getByRole('button', { name: 'Search', exact: true }).click();
    await panel.getByTestId('search-status').getByText('Type a word to search for.').waitFor();

    await panel.getByLabel('Search messages').fill('zzzqqq');
    await panel.getByLabel('Search messages').press('Enter');
    await panel.getByTestId('search-status').getByText('No messages found.').waitFor();

    // In this room only: nothing; in all my rooms: Budget's message, not Carol's.
    await panel.getByLabel('Search messages').fill('quarter');
    await panel.getByLabel('Search messages').press('Enter');
    await panel.getByTestId('search-status').getByText('No messages found.').waitFor();
    await panel.getByLabel('All my conversations').check();
    await panel.getByLabel('Search messages').press('Enter');
    const results = panel.getByTestId('search-results');
    await results.locator('.search-result', { hasText: 'quarterly budget review' }).waitFor();
    // The server marks the word the prefix matched.
    expect(await results.locator('.search-result mark').first().textContent()).toMatch(/^quarter/);
    expect(await results.locator('.search-result').count()).toBe(1);
    expect(await results.locator('.search-result', { hasText: 'secret' }).count()).toBe(0);
    expect(await axeViolations(pb)).toEqual([]);

    await results.locator('.search-result').first().click();
    await pb.locator('#chat-title', { hasText: 'Budget' }).waitFor();
    await pb.waitForFunction(
      (seq) => document.activeElement?.tagName === 'ARTICLE' && document.activeElement.getAttribute('data-seq') === String(seq),
      found.seq,
    );
    expect(h.pageErrors).toEqual([]);
  });
});

describe('pins', () => {
  it('a pin shows to the other user live; a plain member of a group is not offered Pin; unpin clears the bar', async () => {
    const [a, b] = await Promise.all([h.user('Alice'), h.user('Bob')]);
    const room = await h.room(a, 'Pins', [b]);
    const client = await h.sdk(a);
    await client.send(room.id, 'pin me please');
    const [pa, pb] = await Promise.all([h.open(a), h.open(b)]);
    await Promise.all([openRoom(pa, 'Pins'), openRoom(pb, 'Pins')]);

    // Bob is a plain member: Reply and React, no Pin.
    const bobMenu = await openActions(pb, 'pin me please');
    await bobMenu.getByRole('button', { name: 'Reply' }).waitFor();
    expect(await bobMenu.getByRole('button', { name: 'Pin' }).count()).toBe(0);
    await pb.keyboard.press('Escape');

    await (await openActions(pa, 'pin me please')).getByRole('button', { name: 'Pin' }).click();
    await pb.getByTestId('pinned-bar').getByText('pin me please').waitFor();
    await waitFor(() => client.room(room.id)?.pins.length === 1, { what: 'the pin in the SDK state' });
    // Bob's bar has no Unpin.
    await pb.getByTestId('pinned-bar').getByRole('button', { name: '1 pinned' }).click();
    await pb.getByTestId('pins-list').waitFor();
    expect(await pb.getByTestId('pins-list').getByRole('button', { name: /Unpin/ }).count()).toBe(0);
    expect(await axeViolations(pb)).toEqual([]);

    await pa.getByTestId('pinned-bar').getByRole('button', { name: '1 pinned' }).click();
    expect(await axeViolations(pa)).toEqual([]);
    await pa.getByTestId('pins-list').getByRole('button', { name: /Unpin/ }).click();
    await pb.getByTestId('pinned-bar').waitFor({ state: 'detached' });
    await pa.getByTestId('pinned-bar').waitFor({ state: 'detached' });

    // In a direct room either side may pin, Bob too.
    const direct = (await h.api<{ room: { id: string } }>(a, 'POST', '/api/v1/rooms/direct', { userId: b.id })).room;
    await waitFor(() => client.room(direct.id) !== undefined, { what: 'the direct room in the SDK' });
    await client.send(direct.id, 'pin this between us');
    await roomItem(pb, direct.id).click();
    await pb.locator('[data-testid="message-scroller"][data-placed]').waitFor();
    await (await openActions(pb, 'pin this between us')).getByRole('button', { name: 'Pin' }).click();
    await roomItem(pa, direct.id).click();
    await pa.getByTestId('pinned-bar').getByText('pin this between us').waitFor();
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

describe('room settings', () => {
  it('muting shows the muted icon and silences notifications (a later message elsewhere still notifies); unmute undoes it', async () => {
    const [a, b] = await Promise.all([h.user('Alice'), h.user('Bob')]);
    const quiet = await h.room(a, 'Hush', [b]);
    const loud = await h.room(a, 'Loud', [b]);
    const client = await h.sdk(a);
    const pb = await h.open(b, { permissions: ['notifications'] });
    await pb.addInitScript(recordNotifications);
    await pb.reload();
    await openRoom(pb, 'Hush');
    const shown = () => pb.evaluate(() => (window as unknown as { shownNotifications: string[] }).shownNotifications);

    await pb.getByRole('button', { name: 'Notifications', exact: true }).click();
    const panel = pb.getByTestId('room-settings');
    await panel.waitFor();
    expect(await axeViolations(pb)).toEqual([]);
    await panel.getByRole('button', { name: 'For 1 hour' }).click();
    await panel.getByTestId('muted-until').waitFor();
    await roomItem(pb, quiet.id).getByTestId('muted-icon').waitFor();
    expect(await roomItem(pb, loud.id).getByTestId('muted-icon').count()).toBe(0);

    // In another room: the muted room stays silent, the later message elsewhere notifies.
    await openRoom(pb, 'Loud');
    await client.send(quiet.id, 'muted chatter');
    await roomItem(pb, quiet.id).getByTestId('unread-badge').waitFor();
    const third = await h.room(a, 'Third', [b]);
    await roomItem(pb, third.id).waitFor();
    await client.send(third.id, 'loud marker');
    await waitFor(async () => (await shown()).some((s) => s.endsWith('|loud marker')), { what: 'the marker notification' });
    expect((await shown()).some((s) => s.includes('muted chatter'))).toBe(false);
    // A mention of me still notifies from a muted room (the hint says so).
    await client.send(quiet.id, `ping @${b.username}`);
    await waitFor(async () => (await shown()).some((s) => s.endsWith(`|ping @${b.username}`)), { what: 'the mention notification' });
    await roomItem(pb, quiet.id).getByTestId('mention-marker').waitFor();

    // Korean screen of the same panel, then unmute.
    await openRoom(pb, 'Hush');
    await pb.getByRole('button', { name: 'Notifications', exact: true }).click();
    await panel.getByRole('button', { name: 'Unmute' }).click();
    await roomItem(pb, quiet.id).getByTestId('muted-icon').waitFor({ state: 'detached' });
    // The radios show the saved level: checked once the server took it.
    await panel.getByLabel('Nothing').click();
    await panel.locator('input[value="none"]:checked').waitFor();
    await roomItem(pb, quiet.id).getByTestId('muted-icon').waitFor();
    await panel.getByLabel('Every message').click();
    await panel.locator('input[value="all"]:checked').waitFor();
    await roomItem(pb, quiet.id).getByTestId('muted-icon').waitFor({ state: 'detached' });

    const ko = await h.open(b, { locale: 'ko-KR' });
    await openRoom(ko, 'Hush');
    await ko.getByRole('button', { name: '알림', exact: true }).click();
    await ko.getByTestId('room-settings').getByRole('heading', { name: '이 채팅방 알림' }).waitFor();
    expect(await axeViolations(ko)).toEqual([]);
    expect(h.pageErrors).toEqual([]);
  });
});
