import { DECORATORS } from '@nestjs/swagger';
import { ApiODataQuery } from './api-odata-query.decorator';

describe('@ApiODataQuery', () => {
  function documented(options?: Parameters<typeof ApiODataQuery>[0]): string[] {
    class Controller {
      list() {}
    }
    const descriptor = Object.getOwnPropertyDescriptor(Controller.prototype, 'list')!;
    ApiODataQuery(options)(Controller.prototype, 'list', descriptor);
    const parameters = Reflect.getMetadata(DECORATORS.API_PARAMETERS, descriptor.value) as Array<{
      name: string;
      description?: string;
    }>;
    expect(parameters.every((parameter) => parameter.description)).toBe(true);
    return parameters.map((parameter) => parameter.name).sort();
  }

  it('documents every supported option', () => {
    expect(documented()).toEqual([
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
    expect(documented({ search: false })).not.toContain('$search');
  });
});
