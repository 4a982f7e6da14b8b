import sharp from 'sharp';
import { ApiError } from '../../common/errors/api-error';

// libvips' operation cache keeps decoded images for reuse; a photo is read once, so it would only grow
// the process's memory.
sharp.cache(false);

/** Graph's limit for a photo upload. */
export const PHOTO_MAX_BYTES = 4 * 1024 * 1024;
/** Microsoft Graph's square photo sizes, made once at upload. */
export const PHOTO_SIZES = [48, 64, 96, 120, 240, 360, 432, 504, 648] as const;
export type PhotoSize = (typeof PHOTO_SIZES)[number];
/** The media types a photo may be sent as. */
export const PHOTO_MEDIA_TYPES = ['image/jpeg', 'image/png', 'image/webp', 'image/gif'] as const;
export type PhotoMediaType = (typeof PHOTO_MEDIA_TYPES)[number];

/** Decompression bombs: an image whose header claims more pixels is refused before it is decoded. */
export const MAX_INPUT_PIXELS = 8192 * 8192;
/** Frames of an animation: only the first is kept, but a header listing more is refused. */
export const MAX_FRAMES = 100;
/** The stored photo's longest side: larger photos are scaled down (an avatar never needs more). */
export const MAX_PHOTO_SIDE = 2048;

/** A photo as stored: the full picture and its squares, metadata stripped, orientation applied. */
export interface ProcessedPhoto {
  contentType: PhotoMediaType;
  width: number;
  height: number;
  data: Buffer;
  sizes: Array<{ size: PhotoSize; data: Buffer }>;
  /** Milliseconds spent in sharp. */
  processingMs: number;
}

/** The format the bytes are, from their signature: what a client says about them is not trusted. */
export function sniffImageType(data: Buffer): PhotoMediaType | undefined {
  if (data.length >= 3 && data[0] === 0xff && data[1] === 0xd8 && data[2] === 0xff) return 'image/jpeg';
  if (
    data.length >= 8 &&
    data.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]))
  ) {
    return 'image/png';
  }
  const head = data.subarray(0, 6).toString('latin1');
  if (head === 'GIF87a' || head === 'GIF89a') return 'image/gif';
  if (
    data.length >= 12 &&
    data.subarray(0, 4).toString('latin1') === 'RIFF' &&
    data.subarray(8, 12).toString('latin1') === 'WEBP'
  ) {
    return 'image/webp';
  }
  return undefined;
}

function badPhoto(message: string): ApiError {
  return ApiError.badRequest(message, 'photo');
}

/** The media type a stored photo gets: a GIF becomes a still PNG (its first frame). */
function storedTypeOf(type: PhotoMediaType): PhotoMediaType {
  return type === 'image/gif' ? 'image/png' : type;
}

function encode(image: sharp.Sharp, type: PhotoMediaType): Promise<Buffer> {
  if (type === 'image/jpeg') return image.jpeg({ quality: 85 }).toBuffer();
  if (type === 'image/webp') return image.webp({ quality: 85 }).toBuffer();
  return image.png().toBuffer();
}

/** Checks what the header says before anything is decoded: pixels and frames. */
async function checkHeader(data: Buffer): Promise<void> {
  let metadata: sharp.Metadata;
  try {
    metadata = await sharp(data, { limitInputPixels: false }).metadata();
  } catch {
    throw badPhoto('The photo cannot be read: it is corrupt or truncated.');
  }
  const { width = 0, height = 0, pages = 1 } = metadata;
  if (width < 1 || height < 1) throw badPhoto('The photo has no pixels.');
  if (width * height > MAX_INPUT_PIXELS) {
    throw badPhoto(
      `The photo is ${width} x ${height} pixels; at most ${MAX_INPUT_PIXELS} pixels are accepted.`,
    );
  }
  if (pages > MAX_FRAMES) {
    throw badPhoto(`The photo is an animation of ${pages} frames; at most ${MAX_FRAMES} are accepted.`);
  }
}

/**
 * Reads a photo upload: its real format from its bytes (415 when it is not the declared one, or not an
 * image type accepted), header limits (400), then one decode — first frame only, orientation applied,
 * no metadata kept (sharp writes none unless asked) — to the stored picture and each square size not
 * larger than it (48x48 always). A corrupt or truncated image is a 400.
 */
export async function processPhoto(data: Buffer, declaredType: string): Promise<ProcessedPhoto> {
  if (data.length === 0) throw badPhoto('The photo is empty.');
  if (data.length > PHOTO_MAX_BYTES) {
    throw ApiError.payloadTooLarge(`A photo is at most ${PHOTO_MAX_BYTES} bytes.`, 'photo');
  }
  const actual = sniffImageType(data);
  if (!actual) {
    throw ApiError.unsupportedMediaType('The body is not a JPEG, PNG, WebP or GIF image.', 'Content-Type');
  }
  if (actual !== declaredType) {
    throw ApiError.unsupportedMediaType(
      `The body is ${actual}, not ${declaredType} as Content-Type says.`,
      'Content-Type',
    );
  }
  const started = performance.now();
  await checkHeader(data);
  const contentType = storedTypeOf(actual);
  try {
    const decoded = await sharp(data, { limitInputPixels: MAX_INPUT_PIXELS, failOn: 'truncated', pages: 1 })
      .rotate()
      .resize(MAX_PHOTO_SIDE, MAX_PHOTO_SIDE, { fit: 'inside', withoutEnlargement: true })
      .raw()
      .toBuffer({ resolveWithObject: true });
    const { width, height, channels } = decoded.info;
    const raw = { raw: { width, height, channels } };
    const shorter = Math.max(Math.min(width, height), PHOTO_SIZES[0]);
    const sizes = PHOTO_SIZES.filter((size) => size <= shorter);
    const [full, ...squares] = await Promise.all([
      encode(sharp(decoded.data, raw), contentType),
      ...sizes.map((size) =>
        encode(sharp(decoded.data, raw).resize(size, size, { fit: 'cover' }), contentType),
      ),
    ]);
    return {
      contentType,
      width,
      height,
      data: full,
      sizes: sizes.map((size, index) => ({ size, data: squares[index] })),
      processingMs: performance.now() - started,
    };
  } catch (error) {
    if (error instanceof ApiError) throw error;
    throw badPhoto('The photo cannot be read: it is corrupt or truncated.');
  }
}
