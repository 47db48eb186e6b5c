import { readFileSync } from 'node:fs';
import { invalid } from '../collaboration/errors.ts';

/** Reads a rule document file; a missing file or bad JSON is the user's to fix. */
export function readRuleFile(path: string): unknown {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw invalid('rule-file-unreadable', `cannot read rule file ${path}: ${(e as Error).message}`);
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (e) {
    throw invalid('rule-file-not-json', `rule file ${path} is not valid JSON: ${(e as Error).message}`);
  }
}
