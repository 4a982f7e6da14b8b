import { keySegmentPath } from './key-parentheses';

const COLLECTIONS = new Set(['tabs', 'contacts', 'channels']);

describe('keySegmentPath', () => {
  it.each([
    ["/api/v1/tabs('t1')", '/api/v1/tabs/t1'],
    ['/api/v1/tabs(t1)', '/api/v1/tabs/t1'],
    ["/api/v1/tabs('t1')/contacts('c1')/favorite", '/api/v1/tabs/t1/contacts/c1/favorite'],
    ['/api/v1/tabs%28%27t1%27%29', '/api/v1/tabs/t1'],
    ["/api/v1/channels('19:a@thread.tacv2')", '/api/v1/channels/19%3Aa%40thread.tacv2'],
    ["/api/v1/channels('19%3Aa%40thread.tacv2')", '/api/v1/channels/19%3Aa%40thread.tacv2'],
    ["/api/v1/contacts('it''s')", "/api/v1/contacts/it's"],
    ["/api/v1/contacts('a%2541')", '/api/v1/contacts/a%2541'],
    ["/api/v1/contacts('..')", '/api/v1/contacts/%2E%2E'],
    ['/api/v1/tabs/t1', '/api/v1/tabs/t1'],
    // Only names that precede a key in some route are rewritten.
    ["/api/v1/other('x')", "/api/v1/other('x')"],
    ["/api/v1/tabs/x('y')", "/api/v1/tabs/x('y')"],
  ])('%s → %s', (path, expected) => {
    expect(keySegmentPath(path, COLLECTIONS)).toBe(expected);
  });

  it.each([
    ["/api/v1/tabs('t1"],
    ['/api/v1/tabs(t1'],
    ['/api/v1/tabs)'],
    ["/api/v1/tabs('t1')x"],
    ["/api/v1/tabs('a'b')"],
    ["/api/v1/tabs(a'b)"],
    ["/api/v1/tabs('')"],
    ['/api/v1/tabs()'],
    ["/api/v1/tabs('t1')/contacts("],
  ])('refuses %s', (path) => {
    expect(keySegmentPath(path, COLLECTIONS)).toEqual({ problem: expect.any(String) });
  });
});
