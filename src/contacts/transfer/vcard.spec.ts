import type { CustomFieldDefinition } from '../../contact-fields';
import { UnreadableFileError } from './csv';
import type { ContactResource } from '../core/contact-mapping';
import { parseVCards } from './vcard';
import { toVCard } from './vcard-writer';

const cards = (text: string) => [...parseVCards([text])];

describe('vCard', () => {
  it('reads vCard 3.0 and 4.0 cards, folded lines, escapes, types and groups', () => {
    const text = [
      'BEGIN:VCARD',
      'VERSION:3.0',
      'N:Vance;Adèle;Marie;Dr.;',
      'FN:Adèle Vance',
      'ORG:Contoso\\, Ltd;Achats',
      'TITLE:Buyer',
      'item1.EMAIL;TYPE=INTERNET,WORK:adele@contoso.com',
      'TEL;TYPE=WORK,VOICE:+1 425 555 0100',
      'TEL;TYPE=CELL:+33 6 12 34 56 78',
      'TEL;TYPE=WORK;TYPE=FAX:+1 425 555 0110',
      'ADR;TYPE=HOME:;;12 rue de l’Église;Saint-Étienne;;42000;France',
      'NOTE:Line one\\nLine two\\; with a semicolon and a long text that is folded over',
      '  several lines',
      'BDAY:1984-05-17',
      'CATEGORIES:Supplier,Épicerie fine',
      'URL:https://contoso.com',
      'END:VCARD',
      'BEGIN:VCARD',
      'VERSION:4.0',
      'FN:Lee Gu',
      'TEL;VALUE=uri;TYPE="home,voice":tel:+33-1-23-45-67-89',
      'BDAY:19900203',
      'END:VCARD',
    ].join('\r\n');
    const [adele, lee] = cards(text);
    expect(adele).toEqual({
      row: 1,
      input: {
        surname: 'Vance',
        givenName: 'Adèle',
        middleName: 'Marie',
        title: 'Dr.',
        displayName: 'Adèle Vance',
        companyName: 'Contoso, Ltd',
        department: 'Achats',
        jobTitle: 'Buyer',
        emailAddresses: [{ address: 'adele@contoso.com' }],
        phones: [
          { number: '+1 425 555 0100', type: 'business' },
          { number: '+33 6 12 34 56 78', type: 'mobile' },
          { number: '+1 425 555 0110', type: 'businessFax' },
        ],
        addresses: [
          {
            type: 'home',
            street: '12 rue de l’Église',
            city: 'Saint-Étienne',
            postalCode: '42000',
            countryOrRegion: 'France',
          },
        ],
        notes: 'Line one\nLine two; with a semicolon and a long text that is folded over several lines',
        birthday: '1984-05-17',
        categories: ['Supplier', 'Épicerie fine'],
        websites: ['https://contoso.com'],
      },
    });
    expect(lee.input).toEqual({
      displayName: 'Lee Gu',
      birthday: '1990-02-03',
      phones: [{ number: '+33-1-23-45-67-89', type: 'home' }],
    });
  });

  it('refuses a card without END:VCARD, text outside cards, and lines without a value', () => {
    expect(() => cards('BEGIN:VCARD\r\nFN:A\r\n')).toThrow(UnreadableFileError);
    expect(() => cards('BEGIN:VCARD\r\nFN:A\r\nBEGIN:VCARD\r\nFN:B\r\nEND:VCARD')).toThrow(
      /has no END:VCARD/,
    );
    expect(() => cards('NOTE:hello\r\nBEGIN:VCARD\r\nEND:VCARD')).toThrow(/outside a card/);
    expect(() => cards('BEGIN:VCARD\r\nFN\r\nEND:VCARD')).toThrow(/needs a ':'/);
  });

  it('writes vCard 4.0 folded at 75 octets, which it reads back', () => {
    const contact = {
      id: '0d9c7f8e-1111-4111-8111-111111111111',
      displayName: 'Zoë Durand',
      givenName: 'Zoë',
      middleName: null,
      surname: 'Durand',
      title: null,
      nickName: 'Zo',
      companyName: 'Énergie SA',
      department: null,
      jobTitle: 'Directrice; achats',
      officeLocation: 'Bâtiment 4, étage 2',
      emailAddresses: [
        { address: 'zoe@example.fr', name: 'Durand, Zoë "Zo"' },
        { address: 'zoe@home.example', name: null },
      ],
      phones: [{ number: '+33 6 12 34 56 78', type: 'mobile' }],
      addresses: [
        {
          type: 'business',
          street: '5 quai\nVoltaire',
          city: 'Paris',
          state: null,
          postalCode: '75007',
          countryOrRegion: 'France',
        },
      ],
      websites: ['https://energie.example'],
      birthday: '1990-02-03',
      notes: 'é'.repeat(100),
      categories: ['A, B', 'C'],
      lastModifiedDateTime: new Date('2026-01-02T03:04:05.678Z'),
    } as unknown as ContactResource;
    const text = toVCard(contact);
    for (const line of text.split('\r\n')) expect(Buffer.byteLength(line)).toBeLessThanOrEqual(75);
    expect(text).toContain('REV:20260102T030405Z');
    expect(text).toContain('X-CONTACTPRO-OFFICE-LOCATION:Bâtiment 4\\, étage 2\r\n');
    expect(text).toContain(`EMAIL;X-DISPLAY-NAME="Durand, Zoë ^'Zo^'":zoe@example.fr\r\n`);
    const [card] = cards(text);
    expect(card.input).toEqual({
      displayName: 'Zoë Durand',
      givenName: 'Zoë',
      surname: 'Durand',
      nickName: 'Zo',
      companyName: 'Énergie SA',
      jobTitle: 'Directrice; achats',
      officeLocation: 'Bâtiment 4, étage 2',
      emailAddresses: [
        { address: 'zoe@example.fr', name: 'Durand, Zoë "Zo"' },
        { address: 'zoe@home.example' },
      ],
      phones: [{ number: '+33 6 12 34 56 78', type: 'mobile' }],
      addresses: [
        {
          type: 'business',
          street: '5 quai\nVoltaire',
          city: 'Paris',
          postalCode: '75007',
          countryOrRegion: 'France',
        },
      ],
      websites: ['https://energie.example'],
      birthday: '1990-02-03',
      notes: 'é'.repeat(100),
      categories: ['A, B', 'C'],
    });
  });

  describe('custom fields', () => {
    const fields: CustomFieldDefinition[] = [
      { key: 'region', label: 'Sales region; "EMEA"', type: 'text', required: false },
      { key: 'rating', label: 'Rating', type: 'number', required: false },
      { key: 'vip', label: 'VIP', type: 'boolean', required: false },
      { key: 'tags', label: 'Tags', type: 'multiChoice', required: false },
      { key: 'memo', label: 'Memo^', type: 'multilineText', required: false },
      { key: 'since', label: 'Client since', type: 'date', required: false },
    ];
    const contact = {
      id: '2a0c1f0e-8a51-4d42-a0f4-1d8f7f6f7f01',
      displayName: 'Ana',
      emailAddresses: [],
      phones: [],
      addresses: [],
      websites: [],
      categories: [],
      customFields: {
        region: 'North, East; and: more',
        rating: -2.5,
        vip: false,
        tags: ['Gold, old', 'Silver'],
        memo: 'Line one\nLine two',
        since: '2019-01-31',
      },
      lastModifiedDateTime: new Date('2026-01-02T03:04:05.678Z'),
    } as unknown as ContactResource;

    it('writes each as an extension property named by key and label, and reads it back typed', () => {
      const text = toVCard(contact, fields);
      expect(text).toContain(
        'X-CONTACTPRO-FIELD;X-KEY=region;X-LABEL="Sales region; ^\'EMEA^\'":North\\, Ea',
      );
      expect(text).toContain('X-CONTACTPRO-FIELD;X-KEY=tags;X-LABEL="Tags":Gold\\, old,Silver');
      for (const line of text.split('\r\n')) expect(Buffer.byteLength(line)).toBeLessThanOrEqual(75);
      const [card] = [...parseVCards([text], fields)];
      expect(card.input.customFields).toEqual(contact.customFields);
    });

    it('writes nothing for a field without a value, nor for a value the tab has no field for', () => {
      const text = toVCard({ ...contact, customFields: { region: 'x', tags: [], other: 'y' } }, fields);
      expect(text.match(/X-CONTACTPRO-FIELD/g)).toHaveLength(1);
    });

    it('matches a field by key first, then by label; leaves out one the tab does not have', () => {
      const text = [
        'BEGIN:VCARD',
        'VERSION:4.0',
        'FN:Ana',
        'x-contactpro-field;X-LABEL="client SINCE";X-KEY=clientSince:2020-02-02',
        'X-CONTACTPRO-FIELD;X-KEY=rating;X-LABEL=Note:4',
        'X-CONTACTPRO-FIELD;X-KEY=unknown;X-LABEL="Unknown":kept out',
        'X-CONTACTPRO-FIELD;X-KEY=vip:yes',
        'X-CONTACTPRO-FIELD;X-KEY=region:',
        'END:VCARD',
      ].join('\r\n');
      const [card] = [...parseVCards([text], fields)];
      expect(card.input.customFields).toEqual({ since: '2020-02-02', rating: 4, vip: true });
    });

    it('passes a value it cannot type as text, for the row to be reported by validation', () => {
      const text = 'BEGIN:VCARD\r\nFN:A\r\nX-CONTACTPRO-FIELD;X-KEY=rating:four\r\nEND:VCARD';
      expect([...parseVCards([text], fields)][0].input.customFields).toEqual({ rating: 'four' });
    });

    it('ignores them when no field is given', () => {
      expect([...parseVCards([toVCard(contact, fields)])][0].input.customFields).toBeUndefined();
    });
  });
});
