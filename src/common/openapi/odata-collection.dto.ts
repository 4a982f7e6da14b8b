import { Type } from '@nestjs/common';
import { ApiProperty } from '@nestjs/swagger';

/**
 * The Swagger shape of an OData collection page of `item`: one class per entity, named
 * `<Item>Collection`, so every list route documents the same envelope.
 */
export function ODataCollectionOf<T>(item: Type<T>, entitySet: string): Type<unknown> {
  class Collection {
    @ApiProperty({
      name: '@odata.context',
      example: `https://contactpro.example/api/v1/$metadata#${entitySet}`,
    })
    '@odata.context': string;

    @ApiProperty({
      name: '@odata.count',
      required: false,
      description: 'With $count=true: the size of the whole filtered set.',
    })
    '@odata.count'?: number;

    @ApiProperty({ type: [item] })
    value: T[];

    @ApiProperty({
      name: '@odata.nextLink',
      required: false,
      description: 'The URL of the next page (with $skiptoken), when there is one.',
    })
    '@odata.nextLink'?: string;
  }
  Object.defineProperty(Collection, 'name', { value: `${item.name.replace(/Dto$/, '')}Collection` });
  return Collection;
}
