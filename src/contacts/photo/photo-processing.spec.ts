import sharp from 'sharp';
import {
  animatedGif,
  HTML_PAGE,
  phoneJpeg,
  pngBombHeader,
  pngImage,
  SVG_WITH_SCRIPT,
  truncatedJpeg,
} from '../../../test/support/photo-fixtures';
import { ApiError } from '../../common/errors/api-error';
import { PHOTO_MAX_BYTES, processPhoto, sniffImageType } from './photo-processing';

async function refusal(run: Promise<unknown>): Promise<ApiError> {
  try {
    await run;
  } catch (error) {
    if (error instanceof ApiError) return error;
    throw error;
  }
  throw new Error('expected a refusal');
}

describe('photo processing', () => {
  it('applies the orientation, strips EXIF (GPS included) and makes the square sizes', async () => {
    const input = await phoneJpeg(400, 300);
    const sent = await sharp(input).metadata();
    expect({ orientation: sent.orientation, exif: sent.exif !== undefined }).toEqual({
      orientation: 6,
      exif: true,
    });
    expect(input.includes(Buffer.from('Contoso'))).toBe(true);
    const photo = await processPhoto(input, 'image/jpeg');
    // Orientation 6: the stored picture is upright, so its sides are swapped.
    expect({ width: photo.width, height: photo.height, contentType: photo.contentType }).toEqual({
      width: 300,
      height: 400,
      contentType: 'image/jpeg',
    });
    const stored = await sharp(photo.data).metadata();
    expect(stored.exif).toBeUndefined();
    expect(stored.orientation).toBeUndefined();
    expect(stored.icc).toBeUndefined();
    expect(photo.data.includes(Buffer.from('Contoso'))).toBe(false);
    expect(photo.sizes.map((entry) => entry.size)).toEqual([48, 64, 96, 120, 240]);
    const square = await sharp(photo.sizes[2].data).metadata();
    expect({ width: square.width, height: square.height, format: square.format }).toEqual({
      width: 96,
      height: 96,
      format: 'jpeg',
    });
  });

  it('reads the format from the bytes', async () => {
    expect(sniffImageType(await pngImage(10, 10))).toBe('image/png');
    expect(sniffImageType(await phoneJpeg(10, 10))).toBe('image/jpeg');
    expect(sniffImageType(await animatedGif(2, 8))).toBe('image/gif');
    expect(sniffImageType(SVG_WITH_SCRIPT)).toBeUndefined();
    expect(sniffImageType(HTML_PAGE)).toBeUndefined();
  });

  it('keeps the first frame of an animation, as a still PNG', async () => {
    const photo = await processPhoto(await animatedGif(3, 64), 'image/gif');
    expect(photo.contentType).toBe('image/png');
    const stored = await sharp(photo.data).metadata();
    expect({ format: stored.format, pages: stored.pages ?? 1, height: stored.height }).toEqual({
      format: 'png',
      pages: 1,
      height: 64,
    });
  });

  it.each([
    ['an empty body', async () => Buffer.alloc(0), 'image/png', 400],
    ['over 4 MiB', async () => Buffer.alloc(PHOTO_MAX_BYTES + 1, 0xff), 'image/jpeg', 413],
    ['a lying Content-Type', async () => pngImage(20, 20), 'image/jpeg', 415],
    ['HTML posing as a PNG', async () => HTML_PAGE, 'image/png', 415],
    ['an SVG', async () => SVG_WITH_SCRIPT, 'image/png', 415],
    ['a 60 000 x 60 000 header', async () => pngBombHeader(), 'image/png', 400],
    ['a JPEG truncated at half', truncatedJpeg, 'image/jpeg', 400],
    ['a GIF of 500 frames', async () => animatedGif(500, 8), 'image/gif', 400],
  ])('refuses %s', async (_name, make, type, status) => {
    const error = await refusal(processPhoto(await make(), type));
    expect(error.getStatus()).toBe(status);
  });
});
