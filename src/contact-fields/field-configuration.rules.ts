import { ApiErrorDetail } from '../common/errors/api-error';
import { normalizeText } from '../odata/normalize';
import {
  BUILT_IN_CONTACT_FIELDS,
  CHOICE_FIELD_TYPES,
  CustomFieldType,
  RESERVED_CONTACT_KEYS,
  SORTABLE_CONTACT_FIELDS,
  SORTABLE_CUSTOM_FIELD_TYPES,
  TEXT_FIELD_TYPES,
} from './contact-fields';

export interface FieldLayout {
  key: string;
  label?: string;
  visible: boolean;
}

export interface Choice {
  value: string;
  color?: string;
}

export interface CustomFieldDefinition {
  key: string;
  label: string;
  type: CustomFieldType;
  required: boolean;
  choices?: Choice[];
  maxLength?: number;
}

export interface Category {
  name: string;
  color: string;
}

const BUILT_IN: ReadonlySet<string> = new Set(BUILT_IN_CONTACT_FIELDS);
const SORTABLE: ReadonlySet<string> = new Set(SORTABLE_CONTACT_FIELDS);

function invalid(target: string, message: string): ApiErrorDetail {
  return { code: 'InvalidValue', target, message };
}

/**
 * The rules that span several values of a tab's configuration (class-validator checks each value alone).
 * Applied to the configuration as it will be stored, so a PATCH is checked against what it keeps too.
 */
export function tabConfigurationProblems(config: {
  fields: FieldLayout[];
  customFields: CustomFieldDefinition[];
  categories: Category[];
  defaultSort?: { property: string };
}): ApiErrorDetail[] {
  const problems: ApiErrorDetail[] = [];
  // The layout and the default sort may name custom fields: only those with a valid key count.
  const customKeys = checkCustomFields(config.customFields, problems);
  checkCategories(config.categories, problems);
  checkLayout(config.fields, customKeys, problems);
  checkDefaultSort(config.defaultSort?.property, customKeys, problems);
  return problems;
}

/** Each custom field's key (not built in, not taken), choices and maxLength; gives the fields by key. */
function checkCustomFields(
  customFields: CustomFieldDefinition[],
  problems: ApiErrorDetail[],
): Map<string, CustomFieldDefinition> {
  const customKeys = new Map<string, CustomFieldDefinition>();
  customFields.forEach((field, index) => {
    const at = `customFields.${index}`;
    if (RESERVED_CONTACT_KEYS.has(field.key)) {
      problems.push(
        invalid(
          `${at}.key`,
          `'${field.key}' is a built-in contact property and cannot be a custom field key`,
        ),
      );
    } else if (customKeys.has(field.key)) {
      problems.push(invalid(`${at}.key`, `the key '${field.key}' is used by another custom field`));
    } else {
      customKeys.set(field.key, field);
    }
    checkChoices(field, at, problems);
    if (field.maxLength !== undefined && !TEXT_FIELD_TYPES.has(field.type)) {
      problems.push(invalid(`${at}.maxLength`, `only text fields have a maxLength`));
    }
  });
  return customKeys;
}

/** Choice fields have at least one choice, each listed once (compared as normalized text); others none. */
function checkChoices(field: CustomFieldDefinition, at: string, problems: ApiErrorDetail[]): void {
  const isChoice = CHOICE_FIELD_TYPES.has(field.type);
  if (isChoice && (!field.choices || field.choices.length === 0)) {
    problems.push(invalid(`${at}.choices`, `a ${field.type} field needs at least one choice`));
  }
  if (!isChoice && field.choices !== undefined) {
    problems.push(invalid(`${at}.choices`, `only choice and multiChoice fields have choices`));
  }
  if (isChoice && field.choices) {
    const seen = new Set<string>();
    field.choices.forEach((choice, choiceIndex) => {
      const value = normalizeText(choice.value);
      if (seen.has(value))
        problems.push(
          invalid(`${at}.choices.${choiceIndex}.value`, `the choice '${choice.value}' is listed twice`),
        );
      seen.add(value);
    });
  }
}

/** Each category listed once (compared as normalized text). */
function checkCategories(categories: Category[], problems: ApiErrorDetail[]): void {
  const categoryNames = new Set<string>();
  categories.forEach((category, index) => {
    const name = normalizeText(category.name);
    if (categoryNames.has(name))
      problems.push(invalid(`categories.${index}.name`, `the category '${category.name}' is listed twice`));
    categoryNames.add(name);
  });
}

/** The layout lists built-in fields and this tab's custom fields, each once. */
function checkLayout(
  fields: FieldLayout[],
  customKeys: ReadonlyMap<string, CustomFieldDefinition>,
  problems: ApiErrorDetail[],
): void {
  const layoutKeys = new Set<string>();
  fields.forEach((field, index) => {
    if (!BUILT_IN.has(field.key) && !customKeys.has(field.key)) {
      problems.push(
        invalid(
          `fields.${index}.key`,
          `'${field.key}' is neither a built-in contact field nor a custom field of this tab`,
        ),
      );
    } else if (layoutKeys.has(field.key)) {
      problems.push(invalid(`fields.${index}.key`, `'${field.key}' is listed twice`));
    }
    layoutKeys.add(field.key);
  });
}

/** The default sort is a sortable built-in property or a custom field of a sortable type. */
function checkDefaultSort(
  sort: string | undefined,
  customKeys: ReadonlyMap<string, CustomFieldDefinition>,
  problems: ApiErrorDetail[],
): void {
  if (sort === undefined) return;
  const custom = sort.startsWith('customFields/')
    ? customKeys.get(sort.slice('customFields/'.length))
    : undefined;
  if (!SORTABLE.has(sort) && !(custom && SORTABLE_CUSTOM_FIELD_TYPES.has(custom.type))) {
    problems.push(invalid('defaultSort.property', `the contact list cannot be sorted by '${sort}'`));
  }
}
