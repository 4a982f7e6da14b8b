import { BUILT_IN_CONTACT_FIELDS } from './contact-fields';
import type { CustomFieldDefinition, FieldLayout } from './field-configuration.rules';

/** Built-in fields the contact list shows when a tab does not say. */
const DEFAULT_VISIBLE: ReadonlySet<string> = new Set([
  'displayName',
  'companyName',
  'jobTitle',
  'emailAddresses',
  'phones',
  'categories',
]);

const BUILT_IN: ReadonlySet<string> = new Set(BUILT_IN_CONTACT_FIELDS);

/**
 * Every field has a place in the layout: the ones given, in their order (minus removed custom fields),
 * then any other built-in field, then any other custom field. A tab shows the added built-in fields only
 * among the default columns of a new layout, and new custom fields always; `hidden` adds every field
 * hidden (an export's columns after the tab's own).
 */
export function completeLayout(
  given: readonly FieldLayout[],
  customFields: readonly CustomFieldDefinition[],
  added: 'shown' | 'hidden' = 'shown',
): FieldLayout[] {
  const customKeys = new Set(customFields.map((field) => field.key));
  const layout = given.filter((field) => BUILT_IN.has(field.key) || customKeys.has(field.key));
  const placed = new Set(layout.map((field) => field.key));
  const shown = added === 'shown';
  for (const key of BUILT_IN_CONTACT_FIELDS) {
    if (!placed.has(key))
      layout.push({ key, visible: shown && given.length === 0 && DEFAULT_VISIBLE.has(key) });
  }
  for (const field of customFields) {
    if (!placed.has(field.key)) layout.push({ key: field.key, visible: shown });
  }
  return layout;
}
