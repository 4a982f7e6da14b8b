import { SERVICE_SCHEMA } from '../metadata/metadata-entity-sets';
import { buildCsdlSchema, CAPABILITIES_VOCABULARY, csdlJson, csdlXml, type CsdlOptions } from './csdl';
import { defineEntityModel, prop, type EntityModel, type PropertyModel } from './entity-model';
import { tenantEntityModel } from '../../test/support/tenant-entity-model';

const EDMX = 'http://docs.oasis-open.org/odata/ns/edmx';
const EDM = 'http://docs.oasis-open.org/odata/ns/edm';

interface XmlElement {
  /** Namespace URI and local name, prefixes resolved. */
  ns: string | undefined;
  local: string;
  attributes: Record<string, string>;
  children: XmlElement[];
  text: string;
}

const NAME = /^[A-Za-z_][A-Za-z0-9._-]*(?::[A-Za-z_][A-Za-z0-9._-]*)?/;
const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

/**
 * A small strict XML reader: an optional declaration, one root element, attributes in double quotes, the
 * five predefined entities, namespaces resolved. Anything else (comments, DTDs, CDATA, stray `&` or `<`,
 * unbalanced or duplicate markup) throws, so a document it reads is well-formed.
 */
function readXml(text: string): XmlElement {
  let i = 0;
  const fail = (why: string): never => {
    throw new Error(`XML: ${why} at ${i}: ${JSON.stringify(text.slice(i, i + 30))}`);
  };
  const decode = (raw: string): string => {
    if (/[<]/.test(raw)) fail('"<" in character data');
    return raw.replace(/&([^;]*);|&/g, (match, entity: string | undefined) =>
      entity !== undefined && ENTITIES[entity] ? ENTITIES[entity] : fail(`bad reference ${match}`),
    );
  };
  const skipSpace = () => {
    while (/\s/.test(text[i] ?? '')) i++;
  };
  const name = (): string => {
    const match = NAME.exec(text.slice(i));
    if (!match) return fail('expected a name');
    i += match[0].length;
    return match[0];
  };
  const resolve = (qualified: string, scope: Record<string, string>, attribute: boolean) => {
    const [prefix, local] = qualified.includes(':') ? qualified.split(':') : [undefined, qualified];
    if (prefix === undefined) return { ns: attribute ? undefined : scope[''], local };
    if (!(prefix in scope)) fail(`unbound prefix ${prefix}`);
    return { ns: scope[prefix], local };
  };
  const element = (parentScope: Record<string, string>): XmlElement => {
    if (text[i] !== '<') fail('expected "<"');
    i++;
    const tag = name();
    const raw: Record<string, string> = {};
    for (;;) {
      const before = i;
      skipSpace();
      if (text.startsWith('/>', i) || text[i] === '>') break;
      if (i === before) fail('expected space before an attribute');
      const attribute = name();
      if (attribute in raw) fail(`duplicate attribute ${attribute}`);
      if (!text.startsWith('="', i)) fail('expected ="');
      const end = text.indexOf('"', i + 2);
      if (end < 0) fail('unterminated attribute');
      raw[attribute] = decode(text.slice(i + 2, end));
      i = end + 1;
    }
    const scope = { ...parentScope };
    for (const [key, value] of Object.entries(raw)) {
      if (key === 'xmlns') scope[''] = value;
      else if (key.startsWith('xmlns:')) scope[key.slice(6)] = value;
    }
    const attributes: Record<string, string> = {};
    for (const [key, value] of Object.entries(raw)) {
      if (key === 'xmlns' || key.startsWith('xmlns:')) continue;
      const resolved = resolve(key, scope, true);
      attributes[resolved.ns ? `${resolved.ns}|${resolved.local}` : resolved.local] = value;
    }
    const node: XmlElement = { ...resolve(tag, scope, false), attributes, children: [], text: '' };
    if (text.startsWith('/>', i)) {
      i += 2;
      return node;
    }
    i++;
    for (;;) {
      const next = text.indexOf('<', i);
      if (next < 0) fail(`unclosed <${tag}>`);
      node.text += decode(text.slice(i, next));
      i = next;
      if (text.startsWith('</', i)) {
        i += 2;
        if (name() !== tag) fail(`mismatched end tag of <${tag}>`);
        if (text[i] !== '>') fail('expected ">"');
        i++;
        if (node.children.length > 0 && node.text.trim() !== '') fail('mixed content');
        return node;
      }
      if (/^<[!?]/.test(text.slice(i, i + 2))) fail('comment, CDATA or instruction');
      node.children.push(element(scope));
    }
  };
  const declaration = /^<\?xml version="1\.0" encoding="utf-8"\?>\s*/.exec(text);
  if (declaration) i = declaration[0].length;
  const root = element({});
  skipSpace();
  if (i !== text.length) fail('content after the root element');
  return root;
}

function childrenOf(node: XmlElement, ns: string, local: string): XmlElement[] {
  return node.children.filter((child) => child.ns === ns && child.local === local);
}

function onlyChild(node: XmlElement, ns: string, local: string): XmlElement {
  const found = childrenOf(node, ns, local);
  expect(found).toHaveLength(1);
  return found[0];
}

/** Both renderings reduced to one comparable shape: type → properties, keys, openness; sets → annotations. */
interface Reduced {
  types: Record<
    string,
    { kind: string; key?: string[]; open: boolean; properties: Record<string, [string, boolean]> }
  >;
  sets: Record<string, { type: string; nonFilterable: string[]; nonSortable: string[]; searchable: boolean }>;
}

function reduceXml(document: XmlElement): Reduced {
  const schema = onlyChild(onlyChild(document, EDMX, 'DataServices'), EDM, 'Schema');
  const reduced: Reduced = { types: {}, sets: {} };
  for (const type of schema.children.filter((child) => child.local !== 'EntityContainer')) {
    const properties: Record<string, [string, boolean]> = {};
    // A contained navigation property (the contact's photo) is read as the property it is in JSON.
    for (const property of [
      ...childrenOf(type, EDM, 'Property'),
      ...childrenOf(type, EDM, 'NavigationProperty'),
    ]) {
      properties[property.attributes.Name] = [
        property.attributes.Type,
        property.attributes.Nullable !== 'false',
      ];
    }
    const key = childrenOf(type, EDM, 'Key').flatMap((k) =>
      childrenOf(k, EDM, 'PropertyRef').map((ref) => ref.attributes.Name),
    );
    reduced.types[type.attributes.Name] = {
      kind: type.local,
      ...(key.length ? { key } : {}),
      open: type.attributes.OpenType === 'true',
      properties,
    };
  }
  for (const set of childrenOf(onlyChild(schema, EDM, 'EntityContainer'), EDM, 'EntitySet')) {
    const annotation = (term: string) =>
      onlyChild(
        onlyChild(
          childrenOf(set, EDM, 'Annotation').find(
            (a) => a.attributes.Term === `${CAPABILITIES_VOCABULARY.alias}.${term}`,
          ) as XmlElement,
          EDM,
          'Record',
        ),
        EDM,
        'PropertyValue',
      );
    const paths = (term: string) =>
      childrenOf(onlyChild(annotation(term), EDM, 'Collection'), EDM, 'PropertyPath').map((p) => p.text);
    reduced.sets[set.attributes.Name] = {
      type: set.attributes.EntityType,
      nonFilterable: paths('FilterRestrictions'),
      nonSortable: paths('SortRestrictions'),
      searchable: annotation('SearchRestrictions').attributes.Bool === 'true',
    };
  }
  return reduced;
}

function reduceJson(document: Record<string, any>, namespace: string, container: string): Reduced {
  const reduced: Reduced = { types: {}, sets: {} };
  for (const [name, type] of Object.entries<Record<string, any>>(document[namespace])) {
    if (name === container) continue;
    const properties: Record<string, [string, boolean]> = {};
    for (const [member, value] of Object.entries<any>(type)) {
      if (member.startsWith('$')) continue;
      const elementType = value.$Type ?? 'Edm.String';
      properties[member] = [
        value.$Collection ? `Collection(${elementType})` : elementType,
        value.$Nullable === true,
      ];
    }
    reduced.types[name] = {
      kind: type.$Kind,
      ...(type.$Key ? { key: type.$Key } : {}),
      open: type.$OpenType === true,
      properties,
    };
  }
  const alias = CAPABILITIES_VOCABULARY.alias;
  for (const [name, set] of Object.entries<any>(document[namespace][container])) {
    if (name.startsWith('$')) continue;
    expect(set.$Collection).toBe(true);
    reduced.sets[name] = {
      type: set.$Type,
      nonFilterable: set[`@${alias}.FilterRestrictions`].NonFilterableProperties,
      nonSortable: set[`@${alias}.SortRestrictions`].NonSortableProperties,
      searchable: set[`@${alias}.SearchRestrictions`].Searchable,
    };
  }
  return reduced;
}

/** The CSDL type a model property must have, resolved through the complex types of the document. */
function expectedType(property: PropertyModel): string {
  if (property.kind === 'primitive') return property.type;
  if (property.kind === 'collection') return `Collection(${property.elementType})`;
  return 'Collection(complex)';
}

/** Looks a model property name (`a`, `a/b`) up in the reduced document, following complex types. */
function lookUp(reduced: Reduced, namespace: string, typeName: string, name: string): [string, boolean] {
  const segments = name.split('/');
  let type = reduced.types[typeName];
  let found: [string, boolean] | undefined;
  segments.forEach((segment, i) => {
    found = type?.properties[segment];
    if (!found) throw new Error(`${typeName}: no property ${name}`);
    if (i < segments.length - 1) {
      expect(found[0].startsWith(`${namespace}.`)).toBe(true);
      type = reduced.types[found[0].slice(namespace.length + 1)];
    }
  });
  return found as [string, boolean];
}

function checkModel(reduced: Reduced, namespace: string, model: EntityModel): void {
  const entityType = reduced.types[model.name];
  expect(entityType).toMatchObject({ kind: 'EntityType', key: ['id'] });
  expect(entityType.properties.id).toEqual([expect.stringMatching(/^Edm\./), false]);
  expect(reduced.sets[model.entitySet].type).toBe(`${namespace}.${model.name}`);
  const parents = new Set(
    Object.keys(model.properties)
      .filter((name) => name.includes('/'))
      .map((name) => name.split('/')[0]),
  );
  for (const [name, property] of Object.entries(model.properties)) {
    const [type] = lookUp(reduced, namespace, model.name, name);
    if (parents.has(name)) {
      // Declared whole (select) and by member (filter): a complex type with those members, or a
      // contained media entity keyed by its id (the contact's photo).
      const parent = reduced.types[type.slice(namespace.length + 1)];
      expect(parent.kind === 'ComplexType' ? parent.open : parent.key).toBeTruthy();
      continue;
    }
    const expected = expectedType(property);
    if (property.kind !== 'complexCollection') {
      expect([name, type]).toEqual([name, expected]);
      continue;
    }
    const element = /^Collection\((.+)\)$/.exec(type)?.[1] as string;
    const complex = reduced.types[element.slice(namespace.length + 1)];
    expect(complex.kind).toBe('ComplexType');
    // Members every element has are not nullable; the others are.
    expect(complex.properties).toEqual(
      Object.fromEntries(
        Object.entries(property.members).map(([member, type]) => [
          member,
          [type, !property.requiredMembers.includes(member)],
        ]),
      ),
    );
  }
  // Nothing is declared that the model does not have (the custom fields' open type aside).
  for (const declared of Object.keys(entityType.properties)) {
    expect(declared in model.properties || parents.has(declared) || declared === 'customFields').toBe(true);
  }
  const set = reduced.sets[model.entitySet];
  const names = Object.entries(model.properties);
  expect(set.nonFilterable).toEqual(names.filter(([, p]) => !p.filterable).map(([n]) => n));
  expect(set.nonSortable).toEqual(names.filter(([, p]) => !p.sortable).map(([n]) => n));
  expect(set.searchable).toBe(model.search !== undefined);
}

describe('CSDL of the service', () => {
  const schema = buildCsdlSchema(SERVICE_SCHEMA);
  const xml = csdlXml(schema);
  const json = csdlJson(schema);
  const { namespace, containerName } = SERVICE_SCHEMA;

  it('is well-formed CSDL 4.0 XML: edmx:Edmx, one Schema, one EntityContainer', () => {
    const root = readXml(xml);
    expect(root).toMatchObject({ ns: EDMX, local: 'Edmx', attributes: { Version: '4.0' } });
    const reference = onlyChild(root, EDMX, 'Reference');
    expect(reference.attributes.Uri).toBe(CAPABILITIES_VOCABULARY.uri);
    expect(onlyChild(reference, EDMX, 'Include').attributes).toEqual({
      Namespace: CAPABILITIES_VOCABULARY.namespace,
      Alias: CAPABILITIES_VOCABULARY.alias,
    });
    const schemaElement = onlyChild(onlyChild(root, EDMX, 'DataServices'), EDM, 'Schema');
    expect(schemaElement.attributes.Namespace).toBe(namespace);
    expect(onlyChild(schemaElement, EDM, 'EntityContainer').attributes.Name).toBe(containerName);
  });

  it('declares every property of every model with its Edm type, and the sets with their capabilities', () => {
    const reduced = reduceXml(readXml(xml));
    for (const { model } of SERVICE_SCHEMA.entitySets) checkModel(reduced, namespace, model);
    expect(Object.keys(reduced.sets).sort()).toEqual(
      SERVICE_SCHEMA.entitySets.map(({ model }) => model.entitySet).sort(),
    );
    // Every type a property names is declared.
    for (const type of Object.values(reduced.types)) {
      for (const [propertyType] of Object.values(type.properties)) {
        const element = propertyType.replace(/^Collection\((.+)\)$/, '$1');
        if (element.startsWith(`${namespace}.`))
          expect(reduced.types[element.slice(namespace.length + 1)]).toBeDefined();
        else expect(element).toMatch(/^Edm\.(String|Int32|Double|Boolean|DateTimeOffset|Date|Guid)$/);
      }
    }
  });

  it("describes contacts' custom fields as an open complex type and tabs as an open entity type", () => {
    const reduced = reduceXml(readXml(xml));
    expect(reduced.types.contact.properties.customFields).toEqual([`${namespace}.contactCustomFields`, true]);
    expect(reduced.types.contactCustomFields).toEqual({ kind: 'ComplexType', open: true, properties: {} });
    expect(reduced.types.tab.open).toBe(true);
    expect(reduced.types.user.open).toBe(false);
  });

  it("declares the members every contact's e-mail address, phone and postal address has as not nullable", () => {
    const reduced = reduceXml(readXml(xml));
    expect(reduced.types.contactEmailAddress.properties).toEqual({
      address: ['Edm.String', false],
      name: ['Edm.String', true],
    });
    expect(reduced.types.contactPhone.properties).toEqual({
      number: ['Edm.String', false],
      type: ['Edm.String', false],
    });
    expect(reduced.types.contactAddress.properties).toMatchObject({
      type: ['Edm.String', false],
      street: ['Edm.String', true],
      city: ['Edm.String', true],
    });
  });

  it('renders the same schema as CSDL JSON', () => {
    expect(json).toMatchObject({
      $Version: '4.0',
      $EntityContainer: `${namespace}.${containerName}`,
      $Reference: {
        [CAPABILITIES_VOCABULARY.uri]: {
          $Include: [
            { $Namespace: CAPABILITIES_VOCABULARY.namespace, $Alias: CAPABILITIES_VOCABULARY.alias },
          ],
        },
      },
    });
    expect(reduceJson(json, namespace, containerName)).toEqual(reduceXml(readXml(xml)));
  });

  it("describes a tab's custom fields as typed members when its model declares them", () => {
    const model = tenantEntityModel('item', 'items', {
      id: prop.primitive('Edm.Guid', 'id', { path: '_id' }),
      'customFields/rating': prop.primitive('Edm.Double', 'customFields/rating'),
      'customFields/tags': prop.collection('Edm.String', 'customFields/tags'),
    });
    const reduced = reduceXml(
      readXml(
        csdlXml(
          buildCsdlSchema({
            namespace: 'Test',
            containerName: 'Box',
            entitySets: [{ model, dynamicProperties: ['customFields'] }],
          }),
        ),
      ),
    );
    expect(reduced.types.itemCustomFields).toEqual({
      kind: 'ComplexType',
      open: true,
      properties: {
        rating: ['Edm.Double', true],
        tags: ['Collection(Edm.String)', false],
      },
    });
  });

  it('escapes markup in names and refuses models it cannot describe', () => {
    expect(readXml('<a x="&lt;&amp;&quot;">t&gt;</a>')).toMatchObject({
      attributes: { x: '<&"' },
      text: 't>',
    });
    expect(() => readXml('<a><b></a>')).toThrow(/mismatched/);
    expect(() => readXml('<a x="1" x="2"/>')).toThrow(/duplicate/);
    expect(() => readXml('<a>&nbsp;</a>')).toThrow(/bad reference/);
    const noKey = defineEntityModel({
      name: 'thing',
      entitySet: 'things',
      idPath: 'thingId',
      scopePaths: ['tenantId'],
      indexes: [],
      properties: { name: prop.primitive('Edm.String', 'name') },
    });
    const options = (models: EntityModel[]): CsdlOptions => ({
      namespace: 'Test',
      containerName: 'Box',
      entitySets: models.map((model) => ({ model })),
    });
    expect(() => buildCsdlSchema(options([noKey]))).toThrow(/no property stored at its id path/);
    const user = SERVICE_SCHEMA.entitySets[0].model;
    expect(() => buildCsdlSchema(options([user, user]))).toThrow(/described twice/);
  });
});

describe('CSDL of the contact photo', () => {
  it('describes it as a contained media entity, as Microsoft Graph describes profilePhoto', () => {
    const schema = buildCsdlSchema(SERVICE_SCHEMA);
    const contact = schema.entityTypes.find((type) => type.name === 'contact');
    expect(contact?.navigation).toEqual([{ name: 'photo', type: 'ContactPro.profilePhoto' }]);
    expect(contact?.properties.map((property) => property.name)).not.toContain('photo');
    expect(schema.entityTypes.find((type) => type.name === 'profilePhoto')).toEqual({
      name: 'profilePhoto',
      key: ['id'],
      open: false,
      hasStream: true,
      properties: [
        { name: 'id', type: 'Edm.String', collection: false, nullable: false },
        { name: 'width', type: 'Edm.Int32', collection: false, nullable: true },
        { name: 'height', type: 'Edm.Int32', collection: false, nullable: true },
      ],
    });
    const xml = readXml(csdlXml(schema));
    const types = xml.children[1].children[0].children;
    const photo = types.find((type) => type.attributes.Name === 'profilePhoto');
    expect(photo?.attributes.HasStream).toBe('true');
    const navigation = types
      .find((type) => type.attributes.Name === 'contact')
      ?.children.find((child) => child.local === 'NavigationProperty');
    expect(navigation?.attributes).toEqual({
      Name: 'photo',
      Type: 'ContactPro.profilePhoto',
      ContainsTarget: 'true',
    });
    const json = csdlJson(schema) as Record<string, Record<string, Record<string, unknown>>>;
    expect(json.ContactPro.contact.photo).toEqual({
      $Kind: 'NavigationProperty',
      $Type: 'ContactPro.profilePhoto',
      $Nullable: true,
      $ContainsTarget: true,
    });
    expect(json.ContactPro.profilePhoto.$HasStream).toBe(true);
  });
});
