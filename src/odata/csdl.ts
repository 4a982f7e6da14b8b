import type { EdmPrimitiveType, EntityModel, PropertyModel } from './entity-model';

/** One entity set of the service document, described from the entity model its list route queries. */
export interface CsdlEntitySetSource {
  model: EntityModel;
  /**
   * The resource carries properties its model does not declare (they cannot be queried, e.g. a tab's
   * field layout and permissions): the entity type is open, so clients accept them.
   */
  open?: boolean;
  /**
   * Properties whose members differ from one instance to the next (a tab's custom fields): each becomes
   * an open complex type, its members known only per instance.
   */
  dynamicProperties?: readonly string[];
  /**
   * Properties that are media entities contained in the entity (a contact's photo, as Microsoft Graph's
   * profilePhoto): each is described as a contained navigation property to an entity type with a stream,
   * keyed by its `id` member; the resource carries it expanded (or null).
   */
  containedMedia?: Readonly<Record<string, string>>;
}

export interface CsdlOptions {
  namespace: string;
  containerName: string;
  entitySets: readonly CsdlEntitySetSource[];
}

export interface CsdlProperty {
  name: string;
  /** Qualified element type: `Edm.String`, or `<namespace>.<complex type>`. */
  type: string;
  collection: boolean;
  nullable: boolean;
}

export interface CsdlStructuredType {
  name: string;
  /** Key property names; entity types only. */
  key?: string[];
  open: boolean;
  properties: CsdlProperty[];
  /** Contained single-valued navigation properties (entity types only). */
  navigation?: Array<{ name: string; type: string }>;
  /** A media entity: its instances have a stream (`…/$value`). */
  hasStream?: boolean;
}

export interface CsdlEntitySet {
  name: string;
  entityType: string;
  /** Property paths a `$filter` may not use; `$orderby` likewise; whether `$search` works. */
  nonFilterable: string[];
  nonSortable: string[];
  searchable: boolean;
}

/** The one description both renderings (XML and JSON) are written from, so they cannot disagree. */
export interface CsdlSchema {
  namespace: string;
  containerName: string;
  entityTypes: CsdlStructuredType[];
  complexTypes: CsdlStructuredType[];
  entitySets: CsdlEntitySet[];
}

/** The OData vocabulary of the capability annotations, as published by OASIS. */
export const CAPABILITIES_VOCABULARY = {
  uri: 'https://oasis-tcs.github.io/odata-vocabularies/vocabularies/Org.OData.Capabilities.V1.xml',
  namespace: 'Org.OData.Capabilities.V1',
  alias: 'Capabilities',
} as const;

const EDMX_NS = 'http://docs.oasis-open.org/odata/ns/edmx';
const EDM_NS = 'http://docs.oasis-open.org/odata/ns/edm';

interface PathNode {
  declared?: PropertyModel;
  children: Map<string, PathNode>;
}

function pascal(name: string): string {
  return name.charAt(0).toUpperCase() + name.slice(1);
}

/** `emailAddresses` → `emailAddress`, `phones` → `phone`: the element type of a collection. */
function singular(name: string): string {
  if (name.endsWith('sses')) return name.slice(0, -2);
  return name.endsWith('s') ? name.slice(0, -1) : name;
}

/**
 * The model's properties as a tree: `createdBy/id` makes `createdBy` a structure with an `id` member. A
 * name both declared itself and with members (`createdBy`, selectable whole; `createdBy/id`, filterable)
 * is that structure.
 */
function propertyTree(model: EntityModel, dynamic: readonly string[]): Map<string, PathNode> {
  const root = new Map<string, PathNode>();
  for (const [name, property] of Object.entries(model.properties)) {
    let level = root;
    const segments = name.split('/');
    segments.forEach((segment, i) => {
      let node = level.get(segment);
      if (!node) {
        node = { children: new Map() };
        level.set(segment, node);
      }
      if (i === segments.length - 1) node.declared = property;
      level = node.children;
    });
  }
  for (const name of dynamic) if (!root.has(name)) root.set(name, { children: new Map() });
  return root;
}

/**
 * Describes the entity sets from their entity models: each declared property with its Edm type, nested
 * paths and complex collections as complex types, and the `$filter`/`$orderby`/`$search` capabilities of
 * each set as the OData engine enforces them.
 */
export function buildCsdlSchema(options: CsdlOptions): CsdlSchema {
  const builder = new CsdlSchemaBuilder(options.namespace);
  for (const source of options.entitySets) builder.addEntitySet(source);
  return builder.schema(options.containerName);
}

function primitive(name: string, type: EdmPrimitiveType, nullable = true): CsdlProperty {
  return { name, type, collection: false, nullable };
}

/** Collects the types and sets of a schema; type names are claimed once, across all entity sets. */
class CsdlSchemaBuilder {
  private readonly entityTypes: CsdlStructuredType[] = [];
  private readonly complexTypes: CsdlStructuredType[] = [];
  private readonly entitySets: CsdlEntitySet[] = [];
  private readonly typeNames = new Set<string>();

  constructor(private readonly namespace: string) {}

  schema(containerName: string): CsdlSchema {
    const { namespace, entityTypes, complexTypes, entitySets } = this;
    return { namespace, containerName, entityTypes, complexTypes, entitySets };
  }

  addEntitySet(source: CsdlEntitySetSource): void {
    const { model } = source;
    if (this.entitySets.some((set) => set.name === model.entitySet)) {
      throw new Error(`CSDL: entity set '${model.entitySet}' described twice`);
    }
    const key = Object.entries(model.properties).find(
      ([name, property]) =>
        !name.includes('/') && property.kind === 'primitive' && property.path === model.idPath,
    )?.[0];
    if (!key)
      throw new Error(`CSDL: '${model.name}' has no property stored at its id path '${model.idPath}'`);
    const typeName = this.claim(model.name);
    const dynamic = new Set(source.dynamicProperties ?? []);
    const media = source.containedMedia ?? {};
    const tree = [...propertyTree(model, [...dynamic])];
    const properties = tree
      .filter(([name]) => !(name in media))
      .map(([name, node]) =>
        name === key
          ? primitive(name, (node.declared as { type: EdmPrimitiveType }).type, false)
          : this.describe(name, node, typeName, dynamic),
      );
    const navigation = tree
      .filter(([name]) => name in media)
      .map(([name, node]) => ({ name, type: this.addMediaType(media[name], node) }));
    this.entityTypes.push({
      name: typeName,
      key: [key],
      open: source.open ?? false,
      properties,
      ...(navigation.length ? { navigation } : {}),
    });
    const names = Object.entries(model.properties);
    this.entitySets.push({
      name: model.entitySet,
      entityType: `${this.namespace}.${typeName}`,
      nonFilterable: names.filter(([, property]) => !property.filterable).map(([name]) => name),
      nonSortable: names.filter(([, property]) => !property.sortable).map(([name]) => name),
      searchable: model.search !== undefined,
    });
  }

  /** A media entity type from a property's members (`id` its key); answers its qualified name. */
  private addMediaType(name: string, node: PathNode): string {
    const typeName = this.claim(name);
    const properties = [...node.children].map(([member, child]) =>
      primitive(member, (child.declared as { type: EdmPrimitiveType }).type, member !== 'id'),
    );
    this.entityTypes.push({ name: typeName, key: ['id'], open: false, properties, hasStream: true });
    return `${this.namespace}.${typeName}`;
  }

  private claim(name: string): string {
    if (this.typeNames.has(name)) throw new Error(`CSDL: two types named '${name}'`);
    this.typeNames.add(name);
    return name;
  }

  private describe(
    name: string,
    node: PathNode,
    ownerType: string,
    dynamic: ReadonlySet<string>,
  ): CsdlProperty {
    const declared = node.declared;
    if (node.children.size > 0 || dynamic.has(name)) {
      const typeName = this.claim(`${ownerType}${pascal(name)}`);
      const members = [...node.children].map(([member, child]) =>
        this.describe(member, child, typeName, new Set()),
      );
      // Only the queryable members are declared (or none, for per-instance members): the rest are dynamic.
      this.complexTypes.push({ name: typeName, open: true, properties: members });
      return { name, type: `${this.namespace}.${typeName}`, collection: false, nullable: true };
    }
    if (!declared) throw new Error(`CSDL: '${name}' of '${ownerType}' has no declaration`);
    if (declared.kind === 'primitive') return primitive(name, declared.type);
    if (declared.kind === 'collection') {
      return { name, type: declared.elementType, collection: true, nullable: false };
    }
    const typeName = this.claim(`${ownerType}${pascal(singular(name))}`);
    this.complexTypes.push({
      name: typeName,
      open: false,
      properties: Object.entries(declared.members).map(([member, type]) =>
        primitive(member, type, !declared.requiredMembers.includes(member)),
      ),
    });
    return { name, type: `${this.namespace}.${typeName}`, collection: true, nullable: false };
  }
}

function escapeXml(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;');
}

function element(name: string, attributes: Record<string, string | undefined>, children?: string[]): string {
  const text = Object.entries(attributes)
    .filter((entry): entry is [string, string] => entry[1] !== undefined)
    .map(([key, value]) => ` ${key}="${escapeXml(value)}"`)
    .join('');
  if (!children || children.length === 0) return `<${name}${text}/>`;
  const inner = children.join('\n').replace(/^/gm, '  ');
  return `<${name}${text}>\n${inner}\n</${name}>`;
}

function xmlProperty(property: CsdlProperty): string {
  return element('Property', {
    Name: property.name,
    Type: property.collection ? `Collection(${property.type})` : property.type,
    // XML's default is nullable; for a collection the facet speaks of its elements.
    Nullable: property.nullable ? undefined : 'false',
  });
}

function xmlStructuredType(kind: 'EntityType' | 'ComplexType', type: CsdlStructuredType): string {
  const key = type.key
    ? [
        element(
          'Key',
          {},
          type.key.map((name) => element('PropertyRef', { Name: name })),
        ),
      ]
    : [];
  const attributes = {
    Name: type.name,
    OpenType: type.open ? 'true' : undefined,
    HasStream: type.hasStream ? 'true' : undefined,
  };
  return element(kind, attributes, [
    ...key,
    ...type.properties.map(xmlProperty),
    ...(type.navigation ?? []).map((navigation) =>
      element('NavigationProperty', { Name: navigation.name, Type: navigation.type, ContainsTarget: 'true' }),
    ),
  ]);
}

function xmlPathRestriction(term: string, property: string, paths: string[]): string {
  return element('Annotation', { Term: `${CAPABILITIES_VOCABULARY.alias}.${term}` }, [
    element('Record', {}, [
      element('PropertyValue', { Property: property }, [
        element(
          'Collection',
          {},
          paths.map((path) => `<PropertyPath>${escapeXml(path)}</PropertyPath>`),
        ),
      ]),
    ]),
  ]);
}

/** CSDL XML (OData 4.0): `edmx:Edmx` with one schema. */
export function csdlXml(schema: CsdlSchema): string {
  const sets = schema.entitySets.map((set) =>
    element('EntitySet', { Name: set.name, EntityType: set.entityType }, [
      xmlPathRestriction('FilterRestrictions', 'NonFilterableProperties', set.nonFilterable),
      xmlPathRestriction('SortRestrictions', 'NonSortableProperties', set.nonSortable),
      element('Annotation', { Term: `${CAPABILITIES_VOCABULARY.alias}.SearchRestrictions` }, [
        element('Record', {}, [
          element('PropertyValue', { Property: 'Searchable', Bool: String(set.searchable) }),
        ]),
      ]),
    ]),
  );
  const document = element('edmx:Edmx', { 'xmlns:edmx': EDMX_NS, Version: '4.0' }, [
    element('edmx:Reference', { Uri: CAPABILITIES_VOCABULARY.uri }, [
      element('edmx:Include', {
        Namespace: CAPABILITIES_VOCABULARY.namespace,
        Alias: CAPABILITIES_VOCABULARY.alias,
      }),
    ]),
    element('edmx:DataServices', {}, [
      element('Schema', { xmlns: EDM_NS, Namespace: schema.namespace }, [
        ...schema.entityTypes.map((type) => xmlStructuredType('EntityType', type)),
        ...schema.complexTypes.map((type) => xmlStructuredType('ComplexType', type)),
        element('EntityContainer', { Name: schema.containerName }, sets),
      ]),
    ]),
  ]);
  return `<?xml version="1.0" encoding="utf-8"?>\n${document}\n`;
}

function jsonStructuredType(kind: 'EntityType' | 'ComplexType', type: CsdlStructuredType): object {
  const members: Record<string, unknown> = { $Kind: kind };
  if (type.key) members.$Key = type.key;
  if (type.open) members.$OpenType = true;
  if (type.hasStream) members.$HasStream = true;
  for (const property of type.properties) {
    // JSON's default is not nullable (the reverse of XML); `$Type` is always written, never defaulted.
    members[property.name] = {
      ...(property.collection ? { $Collection: true } : {}),
      $Type: property.type,
      ...(property.nullable ? { $Nullable: true } : {}),
    };
  }
  for (const navigation of type.navigation ?? []) {
    members[navigation.name] = {
      $Kind: 'NavigationProperty',
      $Type: navigation.type,
      $Nullable: true,
      $ContainsTarget: true,
    };
  }
  return members;
}

/** CSDL JSON (the OData CSDL JSON format) of the same schema, describing an OData 4.0 service. */
export function csdlJson(schema: CsdlSchema): Record<string, unknown> {
  const alias = CAPABILITIES_VOCABULARY.alias;
  const members: Record<string, unknown> = {};
  for (const type of schema.entityTypes) members[type.name] = jsonStructuredType('EntityType', type);
  for (const type of schema.complexTypes) members[type.name] = jsonStructuredType('ComplexType', type);
  const container: Record<string, unknown> = { $Kind: 'EntityContainer' };
  for (const set of schema.entitySets) {
    container[set.name] = {
      $Collection: true,
      $Type: set.entityType,
      [`@${alias}.FilterRestrictions`]: { NonFilterableProperties: set.nonFilterable },
      [`@${alias}.SortRestrictions`]: { NonSortableProperties: set.nonSortable },
      [`@${alias}.SearchRestrictions`]: { Searchable: set.searchable },
    };
  }
  members[schema.containerName] = container;
  return {
    $Version: '4.0',
    $EntityContainer: `${schema.namespace}.${schema.containerName}`,
    $Reference: {
      [CAPABILITIES_VOCABULARY.uri]: {
        $Include: [{ $Namespace: CAPABILITIES_VOCABULARY.namespace, $Alias: alias }],
      },
    },
    [schema.namespace]: members,
  };
}
