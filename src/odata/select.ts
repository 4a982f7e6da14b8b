import { findProperty, type EntityModel } from './entity-model';
import { ODATA_LIMITS } from './limits';
import { odataError, quoteInput } from './odata-error';

const NAME = /^[A-Za-z_][A-Za-z0-9_]*(?:\/[A-Za-z_][A-Za-z0-9_]*)*$/;

/** Parses `$select` into OData property names; `*` (or absence) means every property. */
export function parseSelect(text: string | undefined, model: EntityModel): string[] | undefined {
  if (text === undefined || text.trim() === '*') return undefined;
  if (text.length > ODATA_LIMITS.maxOptionLength) {
    throw odataError('$select', `$select is longer than ${ODATA_LIMITS.maxOptionLength} characters.`);
  }
  const names: string[] = [];
  let offset = 0;
  for (const part of text.split(',')) {
    const position = offset + (part.length - part.trimStart().length);
    offset += part.length + 1;
    const name = part.trim();
    if (!NAME.test(name)) {
      throw odataError(
        '$select',
        `Syntax error at position ${position} in $select: expected a property name, found ${quoteInput(name)}.`,
      );
    }
    const property = findProperty(model, name);
    if (!property)
      throw odataError('$select', `Could not find a property named '${name}' on type '${model.name}'.`);
    if (!property.selectable)
      throw odataError('$select', `The property '${name}' cannot be used in $select.`);
    if (!names.includes(name)) names.push(name);
  }
  if (names.length > ODATA_LIMITS.maxSelectItems) {
    throw odataError('$select', `$select may have at most ${ODATA_LIMITS.maxSelectItems} properties.`);
  }
  return names;
}

/**
 * The inclusion projection for selected properties plus what is always read: id, etag, the model's
 * extra paths and the given sort paths (needed for the keyset). Nested duplicates are folded into their
 * parent because MongoDB rejects a projection with both `a` and `a.b`.
 */
export function projectionFor(
  model: EntityModel,
  names: string[],
  extraPaths: string[] = [],
): Record<string, 1> {
  const paths = new Set<string>([
    model.idPath,
    ...(model.etagPath ? [model.etagPath] : []),
    ...(model.alwaysProject ?? []),
  ]);
  for (const name of names) paths.add(model.properties[name].path);
  for (const path of extraPaths) paths.add(path);
  const projection: Record<string, 1> = {};
  for (const path of [...paths].sort()) {
    const covered = Object.keys(projection).some((parent) => path.startsWith(`${parent}.`));
    if (!covered) projection[path] = 1;
  }
  return projection;
}
