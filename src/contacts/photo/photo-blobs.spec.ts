import { ApiError } from '../../common/errors/api-error';
import { photoSizeOf } from './contact-photos.service';
import { parsePhotoBlobName, photoBlobName, photoBlobNames, photoBlobPrefix } from './photo-blobs';

const TENANT = '11111111-1111-4111-8111-111111111111';
const TAB = '22222222-2222-4222-8222-222222222222';
const CONTACT = '33333333-3333-4333-8333-333333333333';
const VERSION = '44444444-4444-4444-8444-444444444444';

describe('photo blob names', () => {
  it('start with the tenant, then the tab, the contact and the version', () => {
    expect(photoBlobName(TENANT, TAB, CONTACT, VERSION)).toBe(
      `${TENANT}/${TAB}/${CONTACT}/${VERSION}/default`,
    );
    expect(photoBlobName(TENANT, TAB, CONTACT, VERSION, 96)).toBe(
      `${TENANT}/${TAB}/${CONTACT}/${VERSION}/96x96`,
    );
    expect(photoBlobPrefix(TENANT)).toBe(`${TENANT}/`);
    expect(photoBlobPrefix(TENANT, TAB)).toBe(`${TENANT}/${TAB}/`);
    expect(
      photoBlobName(TENANT, TAB, CONTACT, VERSION).startsWith(photoBlobPrefix(TENANT, TAB, CONTACT)),
    ).toBe(true);
  });

  it('name every blob of a photo, and read back', () => {
    const photo = { version: VERSION, contentType: 'image/png', width: 100, height: 80, sizes: [48, 64] };
    const names = photoBlobNames(TENANT, TAB, CONTACT, photo);
    expect(names.map((name) => name.split('/')[4])).toEqual(['default', '48x48', '64x64']);
    expect(parsePhotoBlobName(names[1])).toEqual({
      tenantId: TENANT,
      tabId: TAB,
      contactId: CONTACT,
      version: VERSION,
    });
    expect(parsePhotoBlobName('something/else')).toBeUndefined();
  });

  it("know Microsoft Graph's sizes only", () => {
    expect(photoSizeOf('96x96')).toBe(96);
    expect(photoSizeOf('648x648')).toBe(648);
    for (const text of ['50x50', '96x48', '96', '096x096', '1e2x1e2', '']) {
      expect(() => photoSizeOf(text)).toThrow(ApiError);
    }
  });
});
