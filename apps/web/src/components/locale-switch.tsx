import { useId } from 'react';
import { setLocale, useLocale, useT, type Locale } from '../i18n/i18n';

export function LocaleSwitch() {
  const t = useT();
  const locale = useLocale();
  const id = useId();
  return (
    <span className="locale-switch">
      <label htmlFor={id} className="visually-hidden">
        {t('locale.label')}
      </label>
      <select id={id} value={locale} onChange={(e) => setLocale(e.target.value as Locale)}>
        <option value="en" lang="en">
          English
        </option>
        <option value="ko" lang="ko">
          한국어
        </option>
      </select>
    </span>
  );
}
