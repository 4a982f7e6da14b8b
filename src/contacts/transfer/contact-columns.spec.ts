import type { CustomFieldDefinition, FieldLayout } from '../../contact-fields';
import { headerKey } from './contact-columns';
import { exportColumns, selectedColumns, type ExportColumn } from './export-columns';
import { resolveColumns, rowInput } from './import-columns';
import type { ContactResource } from '../core/contact-mapping';
import { neutralizeFormula, restoreFormulaText } from './csv';

const CUSTOM: CustomFieldDefinition[] = [
  {
    key: 'regions',
    label: 'Régions',
    type: 'multiChoice',
    required: false,
    choices: [{ value: 'North; East' }, { value: 'South' }],
  },
  { key: 'industry', label: 'Secteur', type: 'choice', required: false, choices: [{ value: 'Retail' }] },
  { key: 'rating', label: 'Rating', type: 'number', required: false },
  { key: 'vip', label: 'VIP', type: 'boolean', required: false },
  {
    key: 'tags',
    label: 'Tags',
    type: 'multiChoice',
    required: false,
    choices: [{ value: 'A' }, { value: 'B' }],
  },
];

const RULES = { customFields: CUSTOM, categories: [{ name: 'R&D; Labs', color: '#000000' }] };

function targets(headers: string[], mapping?: Record<string, string | null>) {
  const { columns, problems } = resolveColumns(headers, [], CUSTOM, mapping);
  return { targets: columns.map((column) => column.target ?? null), problems };
}

describe('contact columns', () => {
  it('compares headers without case, accents, spaces or punctuation', () => {
    expect(headerKey(' E-mail  Adresses ')).toBe('emailadresses');
    expect(headerKey('Société')).toBe('societe');
  });

  it('maps the product’s, Outlook’s and Google’s headers, custom labels and keys', () => {
    expect(
      targets([
        'First name',
        'E-mail 2 Address',
        'Business Phone 2',
        'Home Country/Region',
        'Phone 1 - Label',
        'Phone 1 - Value',
        'Address 2 - Region',
        'Organization 1 - Title',
        'secteur',
        'rating',
        'Suffix',
      ]).targets,
    ).toEqual([
      'givenName',
      'email#2',
      'phones.business',
      'addresses.home.countryOrRegion',
      'phone#1.type',
      'phone#1.number',
      'address#2.state',
      'jobTitle',
      'customFields.industry',
      'customFields.rating',
      null,
    ]);
  });

  it('lets a mapping override or ignore columns, and refuses unknown fields and columns', () => {
    expect(
      targets(['Société', 'First name'], { Société: 'companyName', 'first name': null }).targets,
    ).toEqual(['companyName', null]);
    const { problems } = targets(['A'], { A: 'customFields.nope', B: 'surname' });
    expect(problems.map((problem) => problem.message)).toEqual([
      "'customFields.nope' (for the column 'A') is not a contact field of this tab.",
      "The file has no column 'B'.",
    ]);
  });

  it('builds the input of POST …/contacts from a row, typed for custom fields', () => {
    const headers = [
      'E-mail addresses',
      'Phone 1 - Type',
      'Phone 1 - Value',
      'Rating',
      'VIP',
      'Tags',
      'Birthday',
      'Notes',
    ];
    const { columns } = resolveColumns(headers, [], CUSTOM);
    const { input, sources, problems } = rowInput(
      [
        'Ann <ann@x.example>\nbob@x.example',
        'Work Fax',
        '+1 555 0100 ::: +1 555 0101',
        '4,5',
        'oui',
        'A; B',
        '5/17/1984',
        '',
      ],
      columns,
      RULES,
    );
    expect(problems).toEqual([]);
    expect(input).toEqual({
      emailAddresses: [{ address: 'ann@x.example', name: 'Ann' }, { address: 'bob@x.example' }],
      phones: [
        { number: '+1 555 0100', type: 'businessFax' },
        { number: '+1 555 0101', type: 'businessFax' },
      ],
      customFields: { rating: 4.5, vip: true, tags: ['A', 'B'] },
      birthday: '1984-05-17',
    });
    expect(sources.get('customFields.rating')).toBe('Rating');
    const huge = rowInput(['x'.repeat(70_000)], [{ index: 0, header: 'Notes', target: 'notes' }], RULES);
    expect(huge.problems).toEqual([
      { column: 'Notes', message: 'the cell holds more than 65536 characters' },
    ]);
  });

  it('exports every field, the visible ones first in the tab’s order, then the hidden ones, then the rest', () => {
    const headers = exportColumns(
      [
        { key: 'companyName', visible: true, label: 'Société' },
        { key: 'displayName', visible: false },
        { key: 'phones', visible: true },
        { key: 'industry', visible: true },
        { key: 'notes', visible: false, label: 'Remarques' },
      ],
      CUSTOM,
    ).map((column) => column.header);
    expect(headers.slice(0, 5)).toEqual([
      'Société',
      'Phone 1 type',
      'Phone 1 number',
      'Phone 2 type',
      'Phone 2 number',
    ]);
    expect(headers.slice(21, 25)).toEqual(['Secteur', 'Display name', 'Remarques', 'First name']);
    expect(headers).toEqual(expect.arrayContaining(['Address 5 country/region', 'Régions', 'Tags', 'VIP']));
    expect(headers).toHaveLength(10 + 1 + 20 + 30 + 4 + CUSTOM.length);
  });

  it('reads back every header it writes, to the same field, without a mapping', () => {
    const fields: FieldLayout[] = [
      // A label another column's header already has, and one of no letter at all.
      { key: 'jobTitle', visible: true, label: 'Title' },
      { key: 'nickName', visible: true, label: '★' },
      { key: 'companyName', visible: false, label: 'Компания' },
    ];
    const custom: CustomFieldDefinition[] = [
      ...CUSTOM,
      { key: 'notesBis', label: 'Notes', type: 'text', required: false },
      { key: 'sector', label: '業界', type: 'text', required: false },
    ];
    const columns = exportColumns(fields, custom);
    const headers = columns.map((column) => column.header);
    expect(headers.slice(0, 2)).toEqual(['Title', '★ (nickName)']);
    expect(headers).toEqual(
      expect.arrayContaining(['Компания', 'Title (title)', 'Notes (customFields/notesBis)', '業界']),
    );
    expect(new Set(headers.map(headerKey)).size).toBe(headers.length);
    const { columns: read } = resolveColumns(headers, fields, custom);
    expect(read.map((column) => column.target)).toEqual(columns.map((column) => column.target));
  });

  it('writes a row that it reads back to the same contact', () => {
    const contact = {
      displayName: 'Zoë "Zo" Durand',
      givenName: '=Zoë',
      surname: null,
      emailAddresses: [
        { address: 'zoe@example.fr', name: 'Durand; Zoë "Zo"' },
        { address: 'z@example.fr', name: 'Zo <home>' },
        { address: 'plain@example.fr', name: null },
      ],
      phones: [
        { number: '+33 6 12 34 56 78', type: 'mobile' },
        { number: '01 23', type: 'businessFax' },
        { number: '555', type: 'mobile' },
      ],
      addresses: [
        {
          type: 'other',
          street: 'a\r\nb',
          city: null,
          state: null,
          postalCode: '01234',
          countryOrRegion: null,
        },
        {
          type: 'business',
          street: null,
          city: 'Zürich',
          state: null,
          postalCode: null,
          countryOrRegion: 'CH',
        },
        {
          type: 'business',
          street: null,
          city: '東京',
          state: null,
          postalCode: null,
          countryOrRegion: null,
        },
      ],
      websites: ['https://a.example', 'https://b.example/x,y'],
      categories: ['R&D; Labs'],
      birthday: '1990-02-03',
      notes: '<p>a, "b"</p>\n<p>@c</p>',
      customFields: { regions: ['North; East', 'South'], tags: ['A', 'B'], rating: 1e21, vip: false },
    } as unknown as ContactResource;
    const columns = exportColumns([], CUSTOM);
    const written = (format: 'csv' | 'xlsx', column: ExportColumn) => {
      const value = column.value(contact);
      // What the file gives back: CSV text, its formulas neutralized and restored; xlsx typed cells.
      if (value === null || value === undefined) return undefined;
      return format === 'csv' ? restoreFormulaText(neutralizeFormula(String(value))) : value;
    };
    for (const format of ['csv', 'xlsx'] as const) {
      const { columns: read } = resolveColumns(
        columns.map((column) => column.header),
        [],
        CUSTOM,
      );
      const { input, problems } = rowInput(
        columns.map((column) => written(format, column) as string),
        read,
        RULES,
      );
      expect(problems).toEqual([]);
      expect(input).toEqual({
        displayName: 'Zoë "Zo" Durand',
        givenName: '=Zoë',
        emailAddresses: [
          { address: 'zoe@example.fr', name: 'Durand; Zoë "Zo"' },
          { address: 'z@example.fr', name: 'Zo <home>' },
          { address: 'plain@example.fr' },
        ],
        phones: [
          { number: '+33 6 12 34 56 78', type: 'mobile' },
          { number: '01 23', type: 'businessFax' },
          { number: '555', type: 'mobile' },
        ],
        addresses: [
          { type: 'other', street: 'a\r\nb', postalCode: '01234' },
          { type: 'business', city: 'Zürich', countryOrRegion: 'CH' },
          { type: 'business', city: '東京' },
        ],
        websites: ['https://a.example', 'https://b.example/x,y'],
        categories: ['R&D; Labs'],
        birthday: '1990-02-03',
        notes: '<p>a, "b"</p>\n<p>@c</p>',
        customFields: { regions: ['North; East', 'South'], tags: ['A', 'B'], rating: 1e21, vip: false },
      });
    }
  });

  it('still reads the columns of earlier exports: one per phone type, one per address type and part', () => {
    const headers = [
      'Display name',
      'Mobile phone',
      'Business phone',
      'Home city',
      'Business street',
      'Categories',
    ];
    const { columns } = resolveColumns(headers, [], CUSTOM);
    const { input } = rowInput(
      ['Ana', '+1 555 0100\n+1 555 0101', '+1 555 0102', 'Paris', '1 rue', 'R&D; Labs'],
      columns,
      {
        customFields: CUSTOM,
        categories: [
          { name: 'R&D', color: '#000000' },
          { name: 'Labs', color: '#000000' },
        ],
      },
    );
    expect(input).toEqual({
      displayName: 'Ana',
      phones: [
        { number: '+1 555 0100', type: 'mobile' },
        { number: '+1 555 0101', type: 'mobile' },
        { number: '+1 555 0102', type: 'business' },
      ],
      addresses: [
        { type: 'home', city: 'Paris' },
        { type: 'business', street: '1 rue' },
      ],
      categories: ['R&D', 'Labs'],
    });
  });

  it('selects columns by field, a custom field alone or all of them, and refuses what has none', () => {
    const properties = (select: string[]) => [
      ...new Set(selectedColumns([], CUSTOM, select).map((column) => column.property)),
    ];
    expect(properties(['customFields/rating', 'surname', 'phones'])).toEqual([
      'surname',
      'phones',
      'customFields/rating',
    ]);
    expect(selectedColumns([], CUSTOM, ['phones'])).toHaveLength(20);
    expect(properties(['customFields'])).toEqual(CUSTOM.map((field) => `customFields/${field.key}`));
    expect(() => selectedColumns([], CUSTOM, ['id'])).toThrow(/no column for 'id'/);
  });
});
