import { queryPath, type EntityModel, type IndexDefinition } from './entity-model';

/** The shape of a query as an index sees it. */
export interface QueryShape {
  /** Paths compared for equality (tenant scope first). */
  equality: string[];
  /** Sort keys in order, with direction. */
  sort: Array<readonly [string, 1 | -1]>;
  /** A path with a range condition (e.g. a startswith prefix), if any. */
  range?: string;
}

/**
 * Whether an index serves a query by the equality–sort–range rule: the equality paths form the index
 * prefix (in any order), the sort keys follow in order with all directions equal to the index's or all
 * reversed (a backwards scan), and a range path comes next (or is itself the first sort key).
 */
export function indexServes(index: IndexDefinition, shape: QueryShape): boolean {
  let position = 0;
  const equality = new Set(shape.equality);
  while (position < index.length && equality.has(index[position][0])) {
    equality.delete(index[position][0]);
    position++;
  }
  if (equality.size) return false;
  const sort = shape.sort.filter(([path]) => !shape.equality.includes(path));
  let orientation = 0;
  for (const [path, direction] of sort) {
    const field = index[position];
    if (!field || field[0] !== path) return false;
    const relative = field[1] === direction ? 1 : -1;
    if (orientation && relative !== orientation) return false;
    orientation = relative;
    position++;
  }
  if (shape.range && !shape.equality.includes(shape.range) && sort[0]?.[0] !== shape.range) {
    return index[position]?.[0] === shape.range;
  }
  return true;
}

/** The first declared index of the model that serves the shape. */
export function findServingIndex(model: EntityModel, shape: QueryShape): IndexDefinition | undefined {
  return model.indexes.find((index) => indexServes(index, shape));
}

/**
 * The list shapes a model must serve from an index: the default order (id) within its scope, and every
 * sortable property ascending and descending with the id tie-breaker in the same direction.
 */
export function listQueryShapes(model: EntityModel): Array<{ description: string; shape: QueryShape }> {
  const equality = [...model.scopePaths];
  const shapes: Array<{ description: string; shape: QueryShape }> = [
    { description: 'default order (id)', shape: { equality, sort: [[model.idPath, 1]] } },
  ];
  for (const [name, property] of Object.entries(model.properties)) {
    if (property.kind !== 'primitive' || !property.sortable) continue;
    const path = queryPath(property);
    for (const direction of [1, -1] as const) {
      const sort: QueryShape['sort'] =
        path === model.idPath
          ? [[path, direction]]
          : [
              [path, direction],
              [model.idPath, direction],
            ];
      shapes.push({
        description: `$orderby=${name} ${direction === 1 ? 'asc' : 'desc'}`,
        shape: { equality, sort },
      });
    }
  }
  return shapes;
}

/**
 * Throws, listing every uncovered shape, unless each list shape of the model is served by one of its
 * declared indexes. Entity modules call it in their own specs: `assertIndexCoverage(contactModel)`.
 */
export function assertIndexCoverage(model: EntityModel): void {
  const missing = listQueryShapes(model)
    .filter(({ shape }) => !findServingIndex(model, shape))
    .map(
      ({ description, shape }) =>
        `${description}: needs an index like ${JSON.stringify([...shape.equality.map((path) => [path, 1]), ...shape.sort])}`,
    );
  if (missing.length) throw new Error(`Indexes of '${model.name}' do not serve:\n${missing.join('\n')}`);
}
