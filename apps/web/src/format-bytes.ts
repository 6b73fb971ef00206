const units = ['byte', 'kilobyte', 'megabyte', 'gigabyte'] as const;

/** "1.5 MB" / "1.5MB" as the locale writes it (decimal units, like the OS file browsers). */
export function formatBytes(locale: string, bytes: number): string {
  let value = bytes;
  let unit = 0;
  while (value >= 1000 && unit < units.length - 1) {
    value /= 1000;
    unit++;
  }
  return new Intl.NumberFormat(locale, {
    style: 'unit',
    unit: units[unit],
    unitDisplay: 'short',
    maximumFractionDigits: unit === 0 ? 0 : 1,
  }).format(value);
}
