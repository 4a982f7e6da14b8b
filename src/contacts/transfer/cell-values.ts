import type { CustomFieldDefinition } from '../../contact-fields';
import { normalizeText } from '../../odata';
import { headerKey } from './contact-columns';
import type { SheetCell } from './spreadsheet';

/* The values of an import's cells: text, lists, e-mail addresses, birthdays and custom field values. */

function isoDay(date: Date): string {
  return date.toISOString().slice(0, 10);
}

/** A cell as text: trimmed, dates as `YYYY-MM-DD`. */
export function cellText(cell: SheetCell): string {
  if (cell === undefined) return '';
  if (cell instanceof Date) return Number.isNaN(cell.getTime()) ? '' : isoDay(cell);
  if (typeof cell !== 'string') return String(cell);
  return cell.trim();
}

/** Several values in one cell: one per line, or separated by `;` (Outlook) or ` ::: ` (Google). */
export function listOf(text: string, separators = /\r\n|\r|\n| ::: /): string[] {
  return text
    .split(separators)
    .map((item) => item.trim())
    .filter(Boolean);
}

/**
 * Names from a list (categories, choices) in one cell: one per line, as the export writes them, or
 * separated by `;` or ` ::: `. A line that is one of the `known` names (compared as the tab compares
 * them) stays whole, so that a name holding a `;` comes back as it was written.
 */
export function namesOf(text: string, known: ReadonlySet<string>): string[] {
  return listOf(text).flatMap((line) => (known.has(normalizeText(line)) ? [line] : listOf(line, /;| ::: /)));
}

const QUOTED_NAME_EMAIL = /^"((?:[^"\\]|\\.)*)"\s*<([^<>]+)>$/;
const EMAIL_WITH_NAME = /^(.*?)\s*<([^<>]+)>$/;

/**
 * The e-mail addresses of one cell: one per line, or separated by `;` (Outlook) or ` ::: ` (Google),
 * outside quoted names; each as {@link emailText} writes it.
 */
export function emailsOf(text: string): Array<{ address: string; name?: string }> {
  const items: string[] = [];
  let current = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const char = text[i];
    if (quoted && char === '\\' && i + 1 < text.length) {
      current += char + text[++i];
      continue;
    }
    if (char === '"') quoted = !quoted;
    const separator = quoted
      ? 0
      : char === '\n' || char === '\r' || char === ';'
        ? 1
        : text.startsWith(' ::: ', i)
          ? 5
          : 0;
    if (separator) {
      items.push(current);
      current = '';
      i += separator - 1;
    } else current += char;
  }
  items.push(current);
  return items
    .map((item) => item.trim())
    .filter(Boolean)
    .map((item) => {
      const quotedName = QUOTED_NAME_EMAIL.exec(item);
      if (quotedName) {
        const name = quotedName[1].replace(/\\(.)/g, '$1');
        return { address: quotedName[2].trim(), ...(name ? { name } : {}) };
      }
      const named = EMAIL_WITH_NAME.exec(item);
      return named
        ? { address: named[2].trim(), ...(named[1] ? { name: named[1] } : {}) }
        : { address: item };
    });
}

/** Outlook writes `0/0/00` for no birthday, and month/day/year otherwise. */
const US_DATE = /^(\d{1,2})\/(\d{1,2})\/(\d{4})$/;

export function birthdayOf(cell: SheetCell, text: string): string | undefined {
  if (cell instanceof Date) return text;
  if (text === '0/0/00' || text === '') return undefined;
  const us = US_DATE.exec(text);
  return us ? `${us[3]}-${us[1].padStart(2, '0')}-${us[2].padStart(2, '0')}` : text;
}

/** A number as text: `4.5`, `4,5`, `1 234`, `1e+21` (as JavaScript writes large and small numbers). */
const NUMBER_TEXT = /^-?\d+(\.\d+)?(e[+-]?\d+)?$/i;

/** A custom field's value from a cell (typed, when a spreadsheet gave a type) or its text. */
export function customFieldInput(definition: CustomFieldDefinition, cell: SheetCell, text: string): unknown {
  switch (definition.type) {
    case 'number': {
      if (typeof cell === 'number') return cell;
      const normalized = text.replace(/\s/g, '').replace(/^(-?\d+),(\d+)$/, '$1.$2');
      return NUMBER_TEXT.test(normalized) ? Number(normalized) : text;
    }
    case 'boolean': {
      if (typeof cell === 'boolean') return cell;
      const key = headerKey(text);
      if (['true', 'yes', '1', 'x', 'oui', 'ja', 'si'].includes(key)) return true;
      if (['false', 'no', '0', 'non', 'nein'].includes(key)) return false;
      return text;
    }
    case 'multiChoice':
      return namesOf(text, new Set((definition.choices ?? []).map((choice) => normalizeText(choice.value))));
    default:
      return text;
  }
}
