import fc from 'fast-check';
import {
  phoneKeys,
  searchFilter,
  SearchKeys,
  MAX_SEARCH_KEYS,
  termPrefixes,
  textKeys,
} from './contact-search';

type Clause = { searchKeys: { $regex: string } };

function clausesOf(filter: Record<string, any>): Clause[] {
  return filter.$and ?? (filter.searchKeys ? [filter] : []);
}

/** Evaluates the generated filter the way the database would, against a list of keys. */
function matches(filter: Record<string, any>, keys: string[]): boolean {
  const clauses = clausesOf(filter);
  return clauses.every((clause) => keys.some((key) => new RegExp(clause.searchKeys.$regex).test(key)));
}

describe('contact search keys', () => {
  it('keeps each word, and each suffix that starts a word inside a token', () => {
    expect(textKeys('John Smith')).toEqual(['john', 'smith']);
    expect(textKeys("  Zoë O'Brien-Smith, ")).toEqual(['zoe', "o'brien-smith", 'brien-smith', 'smith']);
    expect(textKeys('jo.smith@Contoso.com')).toEqual([
      'jo.smith@contoso.com',
      'smith@contoso.com',
      'contoso.com',
      'com',
    ]);
    expect(textKeys('東京 Ｆｏｏ')).toEqual(['東京', 'foo']);
  });

  it('keeps phone digits from each digit group on', () => {
    expect(phoneKeys('+1 (425) 555-0109')).toEqual(['14255550109', '4255550109', '5550109', '0109']);
  });

  it('turns terms into prefixes: words, or the digits of a phone-like term', () => {
    expect(termPrefixes('Zoë')).toEqual(['zoe']);
    expect(termPrefixes('"contoso ltd"')).toEqual(['contoso', 'ltd']);
    expect(termPrefixes('555-0109')).toEqual(['5550109']);
    expect(termPrefixes('(425)')).toEqual(['425']);
    expect(termPrefixes('---')).toEqual([]);
  });

  it('ANDs anchored, escaped prefixes and drops one another prefix covers', () => {
    expect(searchFilter(['jo', 'smi'])).toEqual({
      $and: [{ searchKeys: { $regex: '^jo' } }, { searchKeys: { $regex: '^smi' } }],
    });
    expect(searchFilter(['jo', 'john'])).toEqual({ searchKeys: { $regex: '^john' } });
    expect(searchFilter(['(a+b.c*)'])).toEqual({ searchKeys: { $regex: '^a\\+b\\.c' } });
    expect(searchFilter(['...'])).toEqual({});
  });

  it('finds "John Smith" with "jo smi", "Zoë" with "zoe", a phone by its local digits', () => {
    const keys = [...textKeys('John Smith'), ...textKeys('Zoë'), ...phoneKeys('+1 (425) 555-0109')];
    expect(matches(searchFilter(['jo', 'smi']), keys)).toBe(true);
    expect(matches(searchFilter(['zoe']), keys)).toBe(true);
    expect(matches(searchFilter(['555-01']), keys)).toBe(true);
    expect(matches(searchFilter(['ohn']), keys)).toBe(false);
    expect(matches(searchFilter(['john', 'jones']), keys)).toBe(false);
  });

  it('caps the keys of one contact', () => {
    const keys = new SearchKeys().add(Array.from({ length: 2000 }, (_, i) => `k${i}`)).toArray();
    expect(keys).toHaveLength(MAX_SEARCH_KEYS);
  });

  it('finds any text by a prefix of any of its words (property)', () => {
    const word = fc.stringMatching(/^[A-Za-zÀ-ÿ0-9]{1,12}$/);
    fc.assert(
      fc.property(fc.array(word, { minLength: 1, maxLength: 5 }), fc.nat(), fc.nat(), (words, pick, cut) => {
        const text = words.join(' ');
        const target = words[pick % words.length];
        const term = target.slice(0, 1 + (cut % target.length));
        return matches(searchFilter([term]), textKeys(text));
      }),
    );
  });

  it('never emits an unanchored pattern, whatever the term (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.string(), { minLength: 1, maxLength: 10 }), (terms) => {
        return clausesOf(searchFilter(terms)).every((clause) => {
          const { $regex } = clause.searchKeys;
          // Anchored, and the escaped term matches itself literally.
          return $regex.startsWith('^') && new RegExp($regex).test($regex.slice(1).replace(/\\(.)/g, '$1'));
        });
      }),
    );
  });
});
