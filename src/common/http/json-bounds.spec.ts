import { loneSurrogatePath } from './json-bounds';

describe('loneSurrogatePath', () => {
  it('names the first value or property name holding an unpaired surrogate, as a dotted path', () => {
    expect(loneSurrogatePath(JSON.parse('{"a":[{"b":"ok"},{"b":"x\\ud800"}]}'))).toEqual({
      target: 'a.1.b',
      inName: false,
    });
    expect(loneSurrogatePath(JSON.parse('{"a":"\\udc00"}'))).toEqual({ target: 'a', inName: false });
    expect(loneSurrogatePath(JSON.parse('{"a":{"\\ud83d":1}}'))).toEqual({ target: 'a', inName: true });
    expect(loneSurrogatePath(JSON.parse('"\\ud800"'))).toEqual({ target: '', inName: false });
  });

  it('accepts paired surrogates and plain text', () => {
    expect(loneSurrogatePath(JSON.parse('{"a":"\\ud83d\\ude00","b":["😀", 1, null, true]}'))).toBeUndefined();
  });
});
