import { crc32 } from 'node:zlib';
import sharp from 'sharp';

/*
 * Photos for tests, made with sharp itself rather than committed: a phone-like JPEG with EXIF GPS and
 * orientation, and every hostile shape of an upload.
 */

/** A noisy picture (so it compresses like a photo, not like a flat colour). */
export async function noisyImage(width: number, height: number): Promise<sharp.Sharp> {
  const raw = Buffer.alloc(width * height * 3);
  let seed = 42;
  for (let i = 0; i < raw.length; i++) {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    raw[i] = (seed >> 16) & 0xff;
  }
  return sharp(raw, { raw: { width, height, channels: 3 } });
}

/** A JPEG as a phone writes it: EXIF with GPS coordinates and orientation 6 (rotate 90° to show). */
export async function phoneJpeg(width = 400, height = 300, quality = 90): Promise<Buffer> {
  const image = await noisyImage(width, height);
  return image
    .withMetadata({ orientation: 6 })
    .withExifMerge({
      IFD0: { Make: 'Contoso', Model: 'Phone 12' },
      IFD3: {
        GPSLatitudeRef: 'N',
        GPSLatitude: '47/1 38/1 0/1',
        GPSLongitudeRef: 'W',
        GPSLongitude: '122/1 7/1 0/1',
      },
    })
    .jpeg({ quality })
    .toBuffer();
}

export async function pngImage(width = 200, height = 200): Promise<Buffer> {
  return (await noisyImage(width, height)).png().toBuffer();
}

function pngChunk(type: string, data: Buffer): Buffer {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([length, body, crc]);
}

/** A PNG whose header claims 60 000 x 60 000 pixels (a decompression bomb's header), and little else. */
export function pngBombHeader(side = 60_000): Buffer {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(side, 0);
  ihdr.writeUInt32BE(side, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 2; // truecolour
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    pngChunk('IHDR', ihdr),
    pngChunk('IDAT', Buffer.from([0x78, 0x9c, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01])),
    pngChunk('IEND', Buffer.alloc(0)),
  ]);
}

/** An animated GIF of `frames` small frames. */
export async function animatedGif(frames: number, side = 64): Promise<Buffer> {
  const pages = await Promise.all(
    Array.from({ length: frames }, (_, i) =>
      sharp({
        create: { width: side, height: side, channels: 3, background: { r: (i * 37) % 256, g: 80, b: 160 } },
      })
        .png()
        .toBuffer(),
    ),
  );
  return sharp(pages, { join: { animated: true } })
    .gif()
    .toBuffer();
}

export async function truncatedJpeg(): Promise<Buffer> {
  const whole = await (await noisyImage(400, 400)).jpeg({ quality: 90 }).toBuffer();
  return whole.subarray(0, Math.floor(whole.length / 2));
}

export const SVG_WITH_SCRIPT = Buffer.from(
  '<svg xmlns="http://www.w3.org/2000/svg" width="64" height="64"><script>alert(1)</script><rect width="64" height="64"/></svg>',
);

export const HTML_PAGE = Buffer.from('<!doctype html><html><body><script>alert(1)</script></body></html>');
