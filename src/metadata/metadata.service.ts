import { Injectable } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { ApiError } from '../common/errors/api-error';
import { buildCsdlSchema, csdlJson, csdlXml } from '../odata';
import { SERVICE_SCHEMA } from './metadata-entity-sets';

export type MetadataFormat = 'xml' | 'json';

export interface MetadataDocument {
  contentType: string;
  body: string;
}

const MEDIA_TYPES: Record<MetadataFormat, string> = {
  xml: 'application/xml',
  json: 'application/json',
};

/** `$format` values: the short names and the media types (parameters such as `;odata.metadata=…` ignored). */
export const FORMAT_VALUES: Readonly<Record<string, MetadataFormat>> = {
  xml: 'xml',
  'application/xml': 'xml',
  json: 'json',
  'application/json': 'json',
};

/** Accept ranges served: XML is the default of `$metadata` (OData 4.0), so the wildcards pick it. */
const ACCEPTED_RANGES: Record<string, MetadataFormat> = {
  'application/xml': 'xml',
  'text/xml': 'xml',
  'application/json': 'json',
  'application/*': 'xml',
  '*/*': 'xml',
};

/** The service's CSDL document, written once from the entity models, in both of its formats. */
@Injectable()
export class MetadataService {
  private readonly documents: Record<MetadataFormat, MetadataDocument>;

  constructor() {
    const schema = buildCsdlSchema(SERVICE_SCHEMA);
    this.documents = {
      xml: { contentType: `${MEDIA_TYPES.xml}; charset=utf-8`, body: csdlXml(schema) },
      json: { contentType: `${MEDIA_TYPES.json}; charset=utf-8`, body: JSON.stringify(csdlJson(schema)) },
    };
  }

  /** Sets the content type and `OData-Version` of the reply and returns the document. */
  respond(reply: FastifyReply, format: string | undefined, accept: string | undefined): string {
    const document = this.document(format, accept);
    void reply.type(document.contentType).header('OData-Version', '4.0');
    return document.body;
  }

  /** `$format` wins over `Accept`; neither means XML. */
  document(format: string | undefined, accept: string | undefined): MetadataDocument {
    return this.documents[format !== undefined ? formatOption(format) : negotiate(accept)];
  }
}

function formatOption(value: string): MetadataFormat {
  const format = FORMAT_VALUES[value.split(';')[0].trim().toLowerCase()];
  if (!format) {
    throw ApiError.badRequest(
      `The $format '${value.slice(0, 40)}' is not supported by $metadata: use xml or json.`,
      '$format',
    );
  }
  return format;
}

/** The acceptable range with the highest quality (the first one on a tie); none acceptable is a 406. */
function negotiate(accept: string | undefined): MetadataFormat {
  if (accept === undefined || accept.trim() === '') return 'xml';
  let best: { format: MetadataFormat; quality: number } | undefined;
  for (const range of accept.split(',')) {
    const [type, ...parameters] = range.split(';').map((part) => part.trim().toLowerCase());
    const format = ACCEPTED_RANGES[type];
    const q = parameters.find((parameter) => parameter.startsWith('q='));
    const quality = q === undefined ? 1 : Number(q.slice(2));
    if (!format || !Number.isFinite(quality) || quality <= 0) continue;
    if (!best || quality > best.quality) best = { format, quality };
  }
  if (!best) {
    throw ApiError.notAcceptable(
      '$metadata is served as application/xml or application/json only.',
      'Accept',
    );
  }
  return best.format;
}
