/*
 * vCard's PHOTO: inline bytes, as vCard 3.0 writes them (`PHOTO;ENCODING=b;TYPE=JPEG:<base64>`) or as
 * 4.0 does (`PHOTO:data:image/jpeg;base64,<base64>`), or a URL. URLs are never fetched: the service makes
 * no outbound request on behalf of its users.
 */

/** What a card's PHOTO gives: bytes to import, or why it is not imported. */
export type VCardPhoto = { data: Buffer } | { refused: string };

const DATA_URI = /^data:([a-z0-9.+-]+\/[a-z0-9.+-]+)?(;[^,]*)?;base64,(.*)$/is;
const BASE64 = /^[A-Za-z0-9+/\s]*={0,2}\s*$/;

/** Base64 as vCard writes it: folded lines unfolded already, whitespace ignored. */
function decodeBase64(text: string): Buffer | undefined {
  const clean = text.replace(/\s+/g, '');
  if (clean === '' || !BASE64.test(clean) || clean.length % 4 === 1) return undefined;
  return Buffer.from(clean, 'base64');
}

/** The photo of a PHOTO property (its value and upper-cased parameter names). */
export function vcardPhotoOf(value: string, params: Map<string, string[]>): VCardPhoto {
  const encoding = params.get('ENCODING')?.[0]?.toLowerCase();
  const trimmed = value.trim();
  if (encoding === 'b' || encoding === 'base64') {
    const data = decodeBase64(trimmed);
    return data ? { data } : { refused: 'PHOTO is not valid base64; the contact is imported without it' };
  }
  const uri = DATA_URI.exec(trimmed);
  if (uri) {
    const data = decodeBase64(uri[3]);
    return data ? { data } : { refused: 'PHOTO is not valid base64; the contact is imported without it' };
  }
  return {
    refused:
      'PHOTO given by URL is not fetched (no request is made on your behalf); the contact is imported without it',
  };
}

/** A PHOTO property of vCard 4.0 (a data URI), unfolded. */
export function vcardPhotoLine(data: Buffer, contentType: string): string {
  return `PHOTO:data:${contentType};base64,${data.toString('base64')}`;
}
