import sharp from 'sharp';
import { rgbaToThumbHash } from 'thumbhash';

// Decompression bombs: a 25 MiB PNG can claim gigapixels.
const limitInputPixels = 100_000_000;

export interface ImageInfo {
  width: number;
  height: number;
  placeholder: string;
}

/**
 * Display size (EXIF orientation applied) and a ThumbHash placeholder, fast enough to do
 * while completing the upload (the header read is instant, the 100 px decode uses
 * shrink-on-load), so the message carries them at send. Throws on bytes sharp cannot decode.
 */
export async function readImageInfo(input: Buffer): Promise<ImageInfo> {
  const meta = await sharp(input, { limitInputPixels, failOn: 'error' }).metadata();
  const { data, info } = await sharp(input, { limitInputPixels, failOn: 'error' })
    .rotate()
    .resize(100, 100, { fit: 'inside' })
    .ensureAlpha()
    .raw()
    .toBuffer({ resolveWithObject: true });
  const swap = (meta.orientation ?? 1) >= 5;
  const width = (swap ? meta.height : meta.width) ?? info.width;
  const height = (swap ? meta.width : meta.height) ?? info.height;
  const placeholder = Buffer.from(rgbaToThumbHash(info.width, info.height, data)).toString('base64');
  return { width, height, placeholder };
}

export interface Rendition {
  name: string;
  data: Buffer;
  contentType: string;
}

/** Square-bounded WebP thumbnails, metadata (EXIF, GPS, XMP) dropped: sharp keeps none unless asked. */
export async function renderThumbnails(original: Buffer, sizes: Record<string, number>): Promise<Rendition[]> {
  const out: Rendition[] = [];
  for (const [name, px] of Object.entries(sizes)) {
    const data = await sharp(original, { limitInputPixels, failOn: 'error' })
      .rotate()
      .resize(px, px, { fit: 'inside', withoutEnlargement: true })
      .webp({ quality: 80 })
      .toBuffer();
    out.push({ name, data, contentType: 'image/webp' });
  }
  return out;
}

/** The original re-encoded in its own format, upright and without metadata: what is served as the original. */
export async function stripMetadata(original: Buffer, contentType: string): Promise<Buffer> {
  const image = sharp(original, { limitInputPixels, failOn: 'error', animated: contentType === 'image/gif' }).rotate();
  switch (contentType) {
    case 'image/jpeg':
      return image.jpeg({ quality: 92 }).toBuffer();
    case 'image/png':
      return image.png().toBuffer();
    case 'image/webp':
      return image.webp({ quality: 92 }).toBuffer();
    case 'image/gif':
      return image.gif().toBuffer();
    default:
      throw new Error(`not a raster image: ${contentType}`);
  }
}
