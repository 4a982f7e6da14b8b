import { applyNormalizedFields } from '../../src/odata';
import { personModel } from './odata-person';
import type { Doc } from './odata-reference';

/** A small seeded PRNG (mulberry32): the same seed gives the same fixture on every run. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export const FIXTURE_NAMES = [
  'Zoë',
  'Zoe',
  'ZOË',
  'zoë',
  'Émile',
  'emile',
  'Łukasz',
  'Anaïs',
  'Ana',
  'Ångström',
  'Çelik',
  'Øyvind',
  'José',
  'Jose',
  'Straße',
  'İlker',
  'Σοφία',
  "O'Brien",
  '李小龍',
  'Ñandú',
  'van der Berg',
  'Mc  Donald',
  ' Padded ',
  'a.b*c',
  '(x)',
  '^$',
  'back\\slash',
  'Zoë 😀',
  'ﬁnn',
  'Smith',
  'smith',
  'SMITH',
  'Müller',
  'Mueller',
  'Ünal',
  'Brontë',
  'Renée',
  'Nguyễn',
  'Ólafur',
  '100%',
  'under_score',
  'x',
  '',
  'Åsa\nLine',
];
export const FIXTURE_CATEGORIES = [
  'Supplier',
  'supplier',
  'Customer',
  'Partner',
  'Prospect',
  'Émigré',
  'VIP',
];
export const FIXTURE_DOMAINS = [
  'contoso.com',
  'Contoso.com',
  'fabrikam.com',
  'example.org',
  'contoso.com.evil',
];

function guid(random: () => number): string {
  const hex = () => Math.floor(random() * 16).toString(16);
  const part = (n: number) => Array.from({ length: n }, hex).join('');
  return `${part(8)}-${part(4)}-${part(4)}-${part(4)}-${part(12)}`;
}

/**
 * Persons with Unicode names, accents, nulls, missing fields, empty and multi-valued arrays and many
 * equal sort keys; stored with their normalized keys through the engine's own normalization.
 */
export function generatePeople(count: number, seed: number, tenantId: string): Doc[] {
  const random = seededRandom(seed);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)];
  const maybe = <T>(value: () => T, nullShare = 0.15, missingShare = 0.15): T | null | undefined => {
    const r = random();
    return r < nullShare ? null : r < nullShare + missingShare ? undefined : value();
  };
  const docs: Doc[] = [];
  for (let i = 0; i < count; i++) {
    const doc: Doc = { _id: guid(random), tenantId, etag: `W/"${i}"` };
    const set = (key: string, value: unknown) => {
      if (value !== undefined) doc[key] = value;
    };
    set(
      'displayName',
      maybe(() => `${pick(FIXTURE_NAMES)}${random() < 0.3 ? ` ${pick(FIXTURE_NAMES)}` : ''}`, 0.05, 0.05),
    );
    set(
      'givenName',
      maybe(() => pick(FIXTURE_NAMES)),
    );
    set(
      'surname',
      maybe(() => pick(FIXTURE_NAMES), 0.1, 0.2),
    );
    set(
      'age',
      maybe(() => Math.floor(random() * 10) * 10 + (random() < 0.5 ? 0 : Math.floor(random() * 10))),
    );
    set(
      'score',
      maybe(() => pick([-1.5, 0, 0.25, 2, 3.75, 100, -0.001, 2.5])),
    );
    set(
      'isActive',
      maybe(() => random() < 0.5),
    );
    set(
      'createdDateTime',
      maybe(
        () =>
          new Date(
            Date.UTC(
              2019 + Math.floor(random() * 7),
              Math.floor(random() * 12),
              1 + Math.floor(random() * 28),
              Math.floor(random() * 3) * 11,
            ),
          ),
      ),
    );
    set(
      'birthday',
      maybe(
        () =>
          `${1950 + Math.floor(random() * 60)}-${String(1 + Math.floor(random() * 12)).padStart(2, '0')}-${String(1 + Math.floor(random() * 28)).padStart(2, '0')}`,
      ),
    );
    set(
      'externalId',
      maybe(() =>
        pick(['00000000-0000-0000-0000-000000000001', '0000000a-0000-0000-0000-00000000000b', guid(random)]),
      ),
    );
    set(
      'notes',
      maybe(() =>
        pick(['', 'x', 'ab', 'abc', 'Line one\nline two', '😀😀', 'é', 'e\u0301', 'long '.repeat(30)]),
      ),
    );
    set('secret', 'hidden');
    set(
      'categories',
      maybe(() => Array.from({ length: Math.floor(random() * 4) }, () => pick(FIXTURE_CATEGORIES)), 0, 0.2),
    );
    set(
      'ratings',
      maybe(() => Array.from({ length: Math.floor(random() * 4) }, () => Math.floor(random() * 6)), 0, 0.2),
    );
    set(
      'emailAddresses',
      maybe(
        () =>
          Array.from({ length: Math.floor(random() * 3) }, () => {
            const item: Record<string, string> = {
              address: `${pick(['a', 'Bob', 'zoë', 'x.y'])}@${pick(FIXTURE_DOMAINS)}`,
            };
            if (random() < 0.7) item.name = pick(FIXTURE_NAMES);
            return item;
          }),
        0,
        0.2,
      ),
    );
    if (random() < 0.6)
      doc.customFields =
        random() < 0.8 ? { industry: pick(['IT', 'it', 'Retail', 'Énergie', 'energie']) } : {};
    docs.push(applyNormalizedFields(personModel, doc));
  }
  return docs;
}
