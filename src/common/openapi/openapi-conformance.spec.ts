import type { OpenAPIObject } from '@nestjs/swagger';
import { completeOpenApiDocument, selectionOf } from './openapi-conformance';

function documentOf(paths: OpenAPIObject['paths'], schemas: Record<string, object>): OpenAPIObject {
  return { openapi: '3.0.0', info: { title: 't', version: '1' }, paths, components: { schemas } };
}

const json = (schema: object) => ({ content: { 'application/json': { schema } } });
const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });

describe('completeOpenApiDocument', () => {
  it('documents the objects of request bodies as closed, the validation pipe refusing other properties', () => {
    const document = completeOpenApiDocument(
      documentOf(
        { '/things': { post: { requestBody: json(ref('ThingDto')), responses: {} } } },
        {
          ThingDto: {
            type: 'object',
            properties: { part: ref('PartDto'), tags: { type: 'object', additionalProperties: true } },
          },
          PartDto: {
            type: 'object',
            properties: { name: { type: 'string' } },
            // Inline parts of a composition only narrow the object: they stay open.
            anyOf: [{ properties: { name: { minLength: 1 } } }],
          },
        },
      ),
    );
    const schemas = document.components!.schemas as Record<string, any>;
    expect(schemas.ThingDto.additionalProperties).toBe(false);
    expect(schemas.PartDto.additionalProperties).toBe(false);
    expect(schemas.PartDto.anyOf[0].additionalProperties).toBeUndefined();
    expect(schemas.ThingDto.properties.tags.additionalProperties).toBe(true);
  });

  it('creates the selection a DTO names, e.g. the changed contacts of a delta page', () => {
    class ContactDto {}
    const document = completeOpenApiDocument(
      documentOf(
        { '/delta': { get: { responses: { '200': { description: '', ...json(ref('DeltaDto')) } } } } },
        {
          ContactDto: { type: 'object', properties: { id: { type: 'string' } }, required: ['id'] },
          DeltaDto: {
            type: 'object',
            properties: { value: { type: 'array', items: { $ref: selectionOf(ContactDto) } } },
          },
        },
      ),
    );
    const schemas = document.components!.schemas as Record<string, any>;
    expect(selectionOf(ContactDto)).toBe('#/components/schemas/ContactSelection');
    expect(schemas.ContactSelection).toMatchObject({ properties: { id: { type: 'string' } } });
    expect(schemas.ContactSelection.required).toBeUndefined();
  });
});
