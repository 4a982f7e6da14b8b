import { escapeRegex, foldText, normalizeText } from './normalize';

describe('normalizeText', () => {
  it.each([
    ['Zoë', 'zoe'],
    ['ZOË', 'zoe'],
    ['Émile', 'emile'],
    ['Łukasz', 'łukasz'],
    ['  Mc   Donald \t', 'mc donald'],
    ['ﬁnn', 'finn'],
    ['İlker', 'ilker'],
    ['ΟΔΟΣ', 'οδοσ'],
    ['e\u0301', 'e'],
    ['Straße', 'straße'],
    ['Åsa\nLine', 'asa line'],
  ])('%j -> %j', (input, expected) => {
    expect(normalizeText(input)).toBe(expected);
  });

  it('folds fragments the same way without trimming', () => {
    expect(foldText(' Zoë ')).toBe(' zoe ');
    expect(normalizeText('ΟΔΟΣ').includes(foldText('Σ'))).toBe(true);
  });
});

describe('escapeRegex', () => {
  it.each(['.*', '(', ')', '\\', '^$', '[a-z]', '{2}', 'a|b', '+?', '/'])(
    '%j matches itself only',
    (text) => {
      const pattern = new RegExp(`^${escapeRegex(text)}$`);
      expect(pattern.test(text)).toBe(true);
      expect(pattern.test(`${text}x`)).toBe(false);
    },
  );
});
