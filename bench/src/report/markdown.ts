import type { SuiteResult } from './results.js';
export function renderMarkdown(result: SuiteResult, _o: { params: unknown; svgFile: string }): string {
  return '```json\n' + JSON.stringify(result, null, 1) + '\n```\n';
}
