import { ApiError } from '../errors/api-error';
import { etagOf, versionFromIfMatch } from './etag';

describe('etag', () => {
  it('round-trips a version through ETag and If-Match', () => {
    expect(etagOf(3)).toBe('W/"3"');
    expect(versionFromIfMatch(etagOf(3))).toBe(3);
    expect(versionFromIfMatch('"12"')).toBe(12);
  });

  it('treats an absent header and * as no condition', () => {
    expect(versionFromIfMatch(undefined)).toBeUndefined();
    expect(versionFromIfMatch('*')).toBeUndefined();
  });

  it.each(['', 'abc', 'W/"x"', '"1", "2"', '"1234567890123456"', 'W/"1"\r\nX: y'])(
    'refuses the malformed If-Match %j with a 400',
    (value) => {
      expect(() => versionFromIfMatch(value)).toThrow(ApiError);
    },
  );
});
