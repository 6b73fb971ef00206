import { useCallback, type ReactNode } from 'react';
import { IntlProvider, useIntl } from 'react-intl';
import { josa } from 'es-hangul';
import { createValueStore, useValue } from '../external-store';
import { en, type MessageId } from './en';
import { ko } from './ko';

export type Locale = 'en' | 'ko';
const catalogs: Record<Locale, Record<MessageId, string>> = { en, ko };
const storageKey = 'chatchat.locale';

function initialLocale(): Locale {
  const saved = localStorage.getItem(storageKey);
  if (saved === 'en' || saved === 'ko') return saved;
  return navigator.language.toLowerCase().startsWith('ko') ? 'ko' : 'en';
}

/** Follows the browser until the user picks one; the pick is remembered. */
export const localeStore = createValueStore<Locale>(initialLocale());

export function setLocale(locale: Locale): void {
  localStorage.setItem(storageKey, locale);
  localeStore.set(locale);
}

export function useLocale(): Locale {
  return useValue(localeStore);
}

export function I18nRoot({ children }: { children: ReactNode }) {
  const locale = useLocale();
  document.documentElement.lang = locale;
  return (
    <IntlProvider locale={locale} messages={catalogs[locale]} defaultLocale="en">
      {children}
    </IntlProvider>
  );
}

export type Values = Record<string, string | number>;

export function useT(): (id: MessageId, values?: Values) => string {
  const intl = useIntl();
  return useCallback((id: MessageId, values?: Values) => intl.formatMessage({ id }, values), [intl]);
}

/**
 * A name inside a Korean sentence takes the particle that fits its last syllable
 * (민준이 / 지우가); English sentences take the name as it is. `name` must be the whole
 * word the particle attaches to.
 */
export function withParticle(locale: Locale, name: string, particle: '이/가' | '을/를' | '은/는' | '와/과'): string {
  if (locale !== 'ko') return name;
  try {
    return josa(name, particle);
  } catch {
    return name + particle.split('/')[1]!;
  }
}

export function formatTime(locale: Locale, iso: string): string {
  return new Intl.DateTimeFormat(locale, { hour: 'numeric', minute: '2-digit' }).format(new Date(iso));
}

export function formatDay(locale: Locale, iso: string): string {
  return new Intl.DateTimeFormat(locale, { dateStyle: 'full' }).format(new Date(iso));
}

/** Room list times: the time today, the weekday this week, else the date. */
export function formatWhen(locale: Locale, iso: string, now = Date.now()): string {
  const d = new Date(iso);
  const age = now - d.getTime();
  if (new Date(now).toDateString() === d.toDateString()) return formatTime(locale, iso);
  if (age < 6 * 86_400_000) return new Intl.DateTimeFormat(locale, { weekday: 'short' }).format(d);
  return new Intl.DateTimeFormat(locale, { month: 'short', day: 'numeric' }).format(d);
}

export function dayKey(iso: string): string {
  return new Date(iso).toDateString();
}
