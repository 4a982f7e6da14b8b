import type { CustomFieldDefinition } from '../tabs/tab-configuration.rules';
import { exportColumns, headerKey, resolveColumns, rowInput } from './contact-columns';

const CUSTOM: CustomFieldDefinition[] = [
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
        "'+1 555 0100 ::: +1 555 0101",
        '4,5',
        'oui',
        'A; B',
        '5/17/1984',
        '',
      ],
      columns,
      CUSTOM,
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
    const huge = rowInput(['x'.repeat(70_000)], [{ index: 0, header: 'Notes', target: 'notes' }], CUSTOM);
    expect(huge.problems).toEqual([
      { column: 'Notes', message: 'the cell holds more than 65536 characters' },
    ]);
  });

  it('exports the visible fields in the tab’s order, single columns under their labels', () => {
    const headers = exportColumns(
      [
        { key: 'companyName', visible: true, label: 'Société' },
        { key: 'displayName', visible: false },
        { key: 'phones', visible: true },
        { key: 'industry', visible: true },
      ],
      CUSTOM,
    ).map((column) => column.header);
    expect(headers).toEqual([
      'Société',
      'Business phone',
      'Mobile phone',
      'Home phone',
      'Business fax',
      'Other phone',
      'Secteur',
    ]);
  });
});
