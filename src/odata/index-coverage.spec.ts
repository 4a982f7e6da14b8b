import { personModel } from '../../test/support/odata-person';
import { defineEntityModel, prop } from './entity-model';
import { tenantEntityModel } from '../../test/support/tenant-entity-model';
import { assertIndexCoverage, indexServes, listQueryShapes } from './index-coverage';

describe('index coverage (equality, sort, range)', () => {
  const index = [
    ['tenantId', 1],
    ['tabId', 1],
    ['norm.displayName', 1],
    ['_id', 1],
  ] as const;

  it.each([
    [
      {
        equality: ['tenantId', 'tabId'],
        sort: [
          ['norm.displayName', 1],
          ['_id', 1],
        ],
      },
      true,
    ],
    [
      {
        equality: ['tabId', 'tenantId'],
        sort: [
          ['norm.displayName', -1],
          ['_id', -1],
        ],
      },
      true,
    ],
    [
      {
        equality: ['tenantId', 'tabId'],
        sort: [
          ['norm.displayName', 1],
          ['_id', -1],
        ],
      },
      false,
    ],
    [{ equality: ['tenantId'], sort: [['norm.displayName', 1]] }, false],
    [{ equality: ['tenantId', 'tabId'], sort: [['_id', 1]] }, false],
    [{ equality: ['tenantId', 'tabId'], sort: [], range: 'norm.displayName' }, true],
    [{ equality: ['tenantId', 'tabId'], sort: [['norm.displayName', 1]], range: 'norm.displayName' }, true],
    [{ equality: ['tenantId', 'tabId', 'norm.displayName'], sort: [['_id', -1]] }, true],
    [{ equality: ['tenantId', 'tabId'], sort: [], range: '_id' }, false],
  ] as const)('%j -> %s', (shape, expected) => {
    expect(
      indexServes(index, {
        equality: [...shape.equality],
        sort: [...shape.sort],
        range: 'range' in shape ? shape.range : undefined,
      }),
    ).toBe(expected);
  });

  it('the person model serves every list shape', () => {
    expect(listQueryShapes(personModel)).toHaveLength(1 + 2 * 11);
    expect(() => assertIndexCoverage(personModel)).not.toThrow();
  });

  it('names the shapes a model does not serve', () => {
    const model = tenantEntityModel(
      'thing',
      'things',
      {
        name: prop.primitive('Edm.String', 'name'),
        size: prop.primitive('Edm.Int32', 'size', { sortable: false }),
      },
      [
        [
          ['tenantId', 1],
          ['_id', 1],
        ],
      ],
    );
    expect(() => assertIndexCoverage(model)).toThrow(
      /\$orderby=name asc: needs an index like \[\["tenantId",1\],\["norm.name",1\],\["_id",1\]\]/,
    );
  });

  it('rejects a model whose index does not start with tenantId', () => {
    expect(() =>
      defineEntityModel({
        name: 'x',
        entitySet: 'x',
        idPath: '_id',
        scopePaths: ['tenantId'],
        properties: {},
        indexes: [[['name', 1]]],
      }),
    ).toThrow(/tenantId/);
  });
});
