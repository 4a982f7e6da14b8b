import { isEmail, isURL } from 'class-validator';
import type { ApiErrorDetail } from '../../common/errors/api-error';
import { LIMITS, type ContactTextField, type CustomFieldDefinition } from '../../contact-fields';
import { isCalendarDay, normalizeText } from '../../odata';
import type { CustomFieldValue, EmailAddress, Phone, PostalAddress } from './contact.schema';

/** The editable content of a contact, validated and cleaned. */
export type ContactFields = Partial<Record<ContactTextField, string>> & {
  emailAddresses: EmailAddress[];
  phones: Phone[];
  addresses: PostalAddress[];
  websites: string[];
  birthday?: string;
  notes?: string;
  categories: string[];
  customFields: Record<string, CustomFieldValue>;
};

/**
 * A create or a patch as the DTOs deliver it: an absent property is left as it is, `null` (or an empty
 * string) clears it. Custom field values arrive unchecked: their rules are the tab's.
 */
export type ContactInput = {
  [K in Exclude<keyof ContactFields, 'customFields'>]?: ContactFields[K] | null;
} & { customFields?: Record<string, unknown> | null };

/*
 * The rules of single values of a contact: phone numbers, dates, and the values of the tab's custom
 * fields, checked and converted for storage.
 */

/** JavaScript's `\s`, spelled out: Python's `re`, which the fuzzer generates from, has another one. */
const SPACE = '\\t\\n\\v\\f\\r \\u00a0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000\\ufeff';
const SEPARATOR = `[${SPACE}().\\/-]`;
/**
 * A phone number as entered: an optional `+`, 3+ digits with the usual separators, an optional extension.
 * Also the OpenAPI pattern of phone numbers, so written without lookaround, flags or `\d`.
 */
export const PHONE_NUMBER = new RegExp(
  `^\\+?${SEPARATOR}*(?:[0-9]${SEPARATOR}*){3,}(?:[${SPACE}]*(?:[xX]|[eE][xX][tT]\\.?|#)[${SPACE}]*[0-9]{1,8})?$`,
);
const DATE = /^\d{4}-\d{2}-\d{2}$/;
const LINE_BREAK = /[\r\n]/;
// eslint-disable-next-line no-control-regex -- control characters are what it looks for
const CONTROL = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/;

/** A `YYYY-MM-DD` string naming a real day. */
export function isCalendarDate(value: unknown): value is string {
  return typeof value === 'string' && DATE.test(value) && isCalendarDay(value);
}

export function problem(target: string, message: string): ApiErrorDetail {
  return { code: 'InvalidValue', target, message };
}

/**
 * A contact's custom field values from the input: each defined by the tab, typed, and present when required.
 */
export function applyCustomFields(
  fields: ContactFields,
  input: ContactInput,
  definitions: readonly CustomFieldDefinition[],
  mode: 'create' | 'update',
): ApiErrorDetail[] {
  const byKey = new Map(definitions.map((definition) => [definition.key, definition]));
  const problems: ApiErrorDetail[] = [];
  const cleared = new Set<string>();
  const refused = new Set<string>();
  if (input.customFields !== undefined) {
    const values = input.customFields;
    if (values === null) {
      for (const key of Object.keys(fields.customFields)) cleared.add(key);
      fields.customFields = {};
    } else {
      const entries = Object.entries(values);
      if (entries.length > LIMITS.customFields) {
        return [problem('customFields', `a tab has at most ${LIMITS.customFields} custom fields`)];
      }
      for (const [key, value] of entries) {
        const definition = byKey.get(key);
        const target = `customFields.${key}`;
        if (!definition) {
          problems.push(problem(target, `'${key}' is not a custom field of this tab`));
          continue;
        }
        const checked = customFieldValue(definition, value);
        if (checked.problem) {
          refused.add(key);
          problems.push(problem(target, checked.problem));
        } else if (checked.value === undefined) {
          cleared.add(key);
          delete fields.customFields[key];
        } else fields.customFields[key] = checked.value;
      }
    }
  }
  // Values of fields the tab no longer defines leave with the next write.
  for (const key of Object.keys(fields.customFields)) if (!byKey.has(key)) delete fields.customFields[key];
  for (const definition of definitions) {
    const { key } = definition;
    if (!definition.required || fields.customFields[key] !== undefined || refused.has(key)) continue;
    if (mode === 'create' || cleared.has(key)) {
      problems.push(problem(`customFields.${key}`, `'${definition.label}' is required`));
    }
  }
  return problems;
}

/** A custom field value checked and converted for storage; `value: undefined` clears the field. */
export function customFieldValue(
  definition: CustomFieldDefinition,
  value: unknown,
): { value?: CustomFieldValue; problem?: string } {
  if (value === null) return {};
  const type = definition.type;
  switch (type) {
    case 'text':
    case 'multilineText':
    case 'url':
    case 'email':
    case 'phone': {
      if (typeof value !== 'string') return { problem: `a ${type} value must be a string` };
      const text = value.trim();
      if (text === '') return {};
      const max = definition.maxLength ?? LIMITS.maxTextLength;
      if (text.length > max) return { problem: `at most ${max} characters` };
      if (CONTROL.test(text) || (type !== 'multilineText' && LINE_BREAK.test(text))) {
        return { problem: 'control characters (or line breaks, except in multiline text) are not allowed' };
      }
      if (type === 'url' && !isURL(text, { protocols: ['http', 'https'], require_protocol: true })) {
        return { problem: 'an http or https URL is expected' };
      }
      if (type === 'email' && !isEmail(text)) return { problem: 'an e-mail address is expected' };
      if (type === 'phone' && !PHONE_NUMBER.test(text)) return { problem: 'a phone number is expected' };
      return { value: text };
    }
    case 'number':
      return typeof value === 'number' && Number.isFinite(value)
        ? { value }
        : { problem: 'a number is expected' };
    case 'boolean':
      return typeof value === 'boolean' ? { value } : { problem: 'true or false is expected' };
    case 'date':
      return isCalendarDate(value) ? { value } : { problem: 'a date YYYY-MM-DD is expected' };
    case 'choice': {
      if (typeof value !== 'string') return { problem: 'one of the choices (a string) is expected' };
      if (value.trim() === '') return {};
      const choice = matchChoice(definition, value);
      return choice === undefined ? { problem: `'${value}' is not one of the choices` } : { value: choice };
    }
    case 'multiChoice': {
      if (!Array.isArray(value) || value.some((item) => typeof item !== 'string')) {
        return { problem: 'a list of choices (strings) is expected' };
      }
      if (value.length > LIMITS.choices) return { problem: `at most ${LIMITS.choices} values` };
      const chosen = new Set<string>();
      for (const item of value as string[]) {
        const choice = matchChoice(definition, item);
        if (choice === undefined) return { problem: `'${item}' is not one of the choices` };
        chosen.add(choice);
      }
      return chosen.size ? { value: [...chosen] } : {};
    }
  }
}

/** The tab's spelling of a choice, compared case- and accent-insensitively. */
function matchChoice(definition: CustomFieldDefinition, value: string): string | undefined {
  const key = normalizeText(value);
  return definition.choices?.find((choice) => normalizeText(choice.value) === key)?.value;
}
