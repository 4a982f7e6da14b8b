import type { LiteralNode } from './ast';
import type { EdmPrimitiveType } from './entity-model';
import { odataError, quoteInput } from './odata-error';
import { GUID } from '../common/validation/guid';

/** A literal converted to the value stored for a property type (before string normalization). */
export type LiteralValue = string | number | boolean | Date | null;

const NUMERIC_LITERALS = new Set([
  'Edm.SByte',
  'Edm.Byte',
  'Edm.Int16',
  'Edm.Int32',
  'Edm.Int64',
  'Edm.Decimal',
  'Edm.Double',
  'Edm.Single',
]);
const INT32_MIN = -2147483648;
const INT32_MAX = 2147483647;

/** The text of a single-quoted string literal, with doubled quotes undone. */
export function stringLiteralText(node: LiteralNode): string {
  return node.text.slice(1, -1).replace(/''/g, "'");
}

/** Whether a literal is the `null` keyword. */
export function isNullLiteral(node: LiteralNode): boolean {
  return node.literalType === 'null';
}

/** A date-only value `YYYY-MM-DD` that names a real calendar day. */
export function isCalendarDay(text: string): boolean {
  const date = new Date(`${text}T00:00:00Z`);
  return !Number.isNaN(date.getTime()) && date.toISOString().slice(0, 10) === text;
}

/**
 * Converts a literal to a value of `type`, or throws a 400 that names the property and the expected
 * type: `age eq 'x'` is an error, never an empty result.
 */
export function literalValue(
  node: LiteralNode,
  type: EdmPrimitiveType,
  propertyName: string,
  option = '$filter',
): LiteralValue {
  if (isNullLiteral(node)) return null;
  const mismatch = (): Error =>
    odataError(
      option,
      `The literal ${node.text.startsWith("'") && node.text.length <= 42 ? node.text : quoteInput(node.text)} at position ${node.position} does not match the type ${type} of '${propertyName}'.`,
    );
  switch (type) {
    case 'Edm.String':
      if (node.literalType !== 'Edm.String' || !node.text.startsWith("'")) throw mismatch();
      return stringLiteralText(node);
    case 'Edm.Int32': {
      if (!NUMERIC_LITERALS.has(node.literalType)) throw mismatch();
      const value = Number(node.text);
      if (!Number.isInteger(value) || value < INT32_MIN || value > INT32_MAX) throw mismatch();
      return value;
    }
    case 'Edm.Double': {
      if (!NUMERIC_LITERALS.has(node.literalType)) throw mismatch();
      const value = Number(node.text);
      if (!Number.isFinite(value)) throw mismatch();
      return value;
    }
    case 'Edm.Boolean':
      if (node.literalType !== 'Edm.Boolean') throw mismatch();
      return node.text === 'true';
    case 'Edm.DateTimeOffset': {
      let date: Date;
      if (node.literalType === 'Edm.DateTimeOffset') date = new Date(node.text);
      else if (node.literalType === 'Edm.Date' && isCalendarDay(node.text))
        date = new Date(`${node.text}T00:00:00Z`);
      else throw mismatch();
      if (Number.isNaN(date.getTime())) throw mismatch();
      return date;
    }
    case 'Edm.Date':
      if (node.literalType !== 'Edm.Date' || !isCalendarDay(node.text)) throw mismatch();
      return node.text;
    case 'Edm.Guid': {
      const text = node.literalType === 'Edm.String' ? stringLiteralText(node) : node.text;
      if ((node.literalType !== 'Edm.Guid' && node.literalType !== 'Edm.String') || !GUID.test(text))
        throw mismatch();
      return text.toLowerCase();
    }
  }
}

/** An integer literal (for length() and date parts), within ±1e6 so that arithmetic on it stays exact. */
export function integerLiteral(node: LiteralNode, what: string): number {
  const value = NUMERIC_LITERALS.has(node.literalType) ? Number(node.text) : Number.NaN;
  if (!Number.isInteger(value) || Math.abs(value) > 1_000_000) {
    throw odataError(
      '$filter',
      `${what} must be compared with an integer literal (position ${node.position}).`,
    );
  }
  return value;
}
