import { DECORATORS } from '@nestjs/swagger';
import { ApiODataQuery, PRINTABLE_OPTION, type ODataQueryExamples } from './api-odata-query.decorator';
import { prop } from './entity-model';
import { tenantEntityModel } from '../../test/support/tenant-entity-model';

const personModel = tenantEntityModel('person', 'people', {
  id: prop.primitive('Edm.String', 'id', { path: '_id', sortable: false }),
  displayName: prop.primitive('Edm.String', 'displayName'),
  mail: prop.primitive('Edm.String', 'mail'),
});

const EXAMPLES: ODataQueryExamples = {
  select: 'displayName,mail',
  orderby: 'displayName desc',
  filter: "startswith(displayName,'ad')",
};

interface Documented {
  name: string;
  description?: string;
  example?: unknown;
  pattern?: string;
  type?: unknown;
}

describe('@ApiODataQuery', () => {
  function documented(examples: Partial<ODataQueryExamples> = {}): Documented[] {
    class Controller {
      list() {}
    }
    const descriptor = Object.getOwnPropertyDescriptor(Controller.prototype, 'list')!;
    ApiODataQuery(personModel, { ...EXAMPLES, ...examples })(Controller.prototype, 'list', descriptor);
    const parameters = Reflect.getMetadata(DECORATORS.API_PARAMETERS, descriptor.value) as Documented[];
    expect(parameters.every((parameter) => parameter.description)).toBe(true);
    return parameters;
  }
  const names = (parameters: Documented[]) => parameters.map((parameter) => parameter.name).sort();

  it('documents every supported option', () => {
    expect(names(documented())).toEqual([
      '$count',
      '$filter',
      '$orderby',
      '$search',
      '$select',
      '$skip',
      '$skiptoken',
      '$top',
    ]);
  });

  it('leaves $search out for entities without search', () => {
    expect(names(documented({ search: false }))).not.toContain('$search');
  });

  it('pre-fills only examples that keep the whole list: $select and $orderby, never $filter', () => {
    const byName = new Map(documented().map((parameter) => [parameter.name, parameter]));
    expect(byName.get('$select')?.example).toBe('displayName,mail');
    expect(byName.get('$orderby')?.example).toBe('displayName desc');
    expect(byName.get('$filter')?.example).toBeUndefined();
    expect(byName.get('$filter')?.description).toContain("startswith(displayName,'ad')");
    expect(byName.get('$search')?.example).toBeUndefined();
  });

  it.each([
    ['select', 'displayName,emailAddresses', /\$select example 'displayName,emailAddresses' is not valid/],
    ['orderby', 'mail sideways', /\$orderby example/],
    ['filter', "startswith(nickname,'ad')", /\$filter example/],
  ] as const)('refuses a %s example the entity does not have (%s)', (option, example, message) => {
    expect(() => documented({ [option]: example })).toThrow(message);
  });

  it('documents text options as the printable text the parser accepts', () => {
    const pattern = new RegExp(PRINTABLE_OPTION);
    expect(pattern.test("displayName eq 'a\tb' é 🙂")).toBe(true);
    for (const control of ['\u0000', '\n', '\r', '\u001f', '\u007f', '\u0085', '\u009f']) {
      expect(pattern.test(`a${control}b`)).toBe(false);
    }
    expect(documented().find((parameter) => parameter.name === '$filter')?.pattern).toBe(PRINTABLE_OPTION);
  });
});
