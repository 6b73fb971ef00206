import type { SuiteResult } from './results.js';
export function renderSvg(_result: SuiteResult): string {
  return '<svg xmlns="http://www.w3.org/2000/svg"/>';
}
