import {
  Body,
  Controller,
  Delete,
  Get,
  Headers,
  HttpCode,
  Param,
  Put,
  UseInterceptors,
} from '@nestjs/common';
import {
  ApiBody,
  ApiConsumes,
  ApiForbiddenResponse,
  ApiNoContentResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiParam,
  ApiPayloadTooLargeResponse,
  ApiProduces,
  ApiServiceUnavailableResponse,
  ApiTags,
  ApiUnsupportedMediaTypeResponse,
} from '@nestjs/swagger';
import { Auth, type AuthenticatedUser, CurrentUser } from '../../auth';
import { ImageRoute } from '../../common/http/body-limit';
import { ErrorResponseDto } from '../../common/errors/error-response.dto';
import { ApiIfMatch } from '../../common/http/etag';
import { TabIdPipe } from '../../tabs/tab-id.pipe';
import { ContactIdPipe } from '../core/contact-id.pipe';
import type { PhotoResource } from '../core/contact-mapping';
import { PhotoDto } from '../core/dto/contact.dto';
import { ContactPhotosService, type PhotoContent } from './contact-photos.service';
import { BodyMediaType, PhotoContentInterceptor } from './photo-content.interceptor';
import { PHOTO_MEDIA_TYPES, PHOTO_SIZES } from './photo-processing';

const IMAGE_TYPES = [...PHOTO_MEDIA_TYPES];
const STORED_TYPES = ['image/jpeg', 'image/png', 'image/webp'];
const BINARY = { type: 'string', format: 'binary' } as const;

/**
 * A contact's photo, as Microsoft Graph's profilePhoto: metadata at `…/photo`, bytes at `…/photo/$value`,
 * square sizes at `…/photos/{size}/$value`. Responses carry `Cache-Control: no-store`
 * (`private, no-store` on the bytes).
 */
@ApiTags('contacts')
@Auth()
@ApiNotFoundResponse({
  description: "No such tab or contact in the caller's organization, or the contact has no photo.",
  type: ErrorResponseDto,
})
@ApiServiceUnavailableResponse({
  description: 'The photo storage is unreachable (Retry-After says when to retry).',
  type: ErrorResponseDto,
})
@Controller('api/v1/tabs/:tabId/contacts/:id')
export class ContactPhotosController {
  constructor(private readonly photos: ContactPhotosService) {}

  /** The photo's metadata: its size in pixels and media type. */
  @Get('photo')
  @ApiOkResponse({ type: PhotoDto })
  metadata(
    @CurrentUser() user: AuthenticatedUser,
    @Param('tabId', TabIdPipe) tabId: string,
    @Param('id', ContactIdPipe) id: string,
  ): Promise<PhotoResource> {
    return this.photos.metadata(user, tabId, id);
  }

  /** The photo's bytes (EXIF and other metadata removed, orientation applied). */
  @Get('photo/$value')
  @UseInterceptors(PhotoContentInterceptor)
  @ApiProduces(...STORED_TYPES)
  @ApiOkResponse({ description: 'The image; ETag names this photo.', content: contentOf(STORED_TYPES) })
  content(
    @CurrentUser() user: AuthenticatedUser,
    @Param('tabId', TabIdPipe) tabId: string,
    @Param('id', ContactIdPipe) id: string,
  ): Promise<PhotoContent> {
    return this.photos.content(user, tabId, id);
  }

  /** One square size of the photo (made at upload; sizes larger than the photo are not made, 48x48 always is). */
  @Get('photos/:size/$value')
  @UseInterceptors(PhotoContentInterceptor)
  @ApiParam({
    name: 'size',
    schema: { type: 'string', enum: PHOTO_SIZES.map((size) => `${size}x${size}`), example: '96x96' },
  })
  @ApiProduces(...STORED_TYPES)
  @ApiOkResponse({
    description: 'The square image; ETag names this photo and size.',
    content: contentOf(STORED_TYPES),
  })
  sized(
    @CurrentUser() user: AuthenticatedUser,
    @Param('tabId', TabIdPipe) tabId: string,
    @Param('id', ContactIdPipe) id: string,
    @Param('size') size: string,
  ): Promise<PhotoContent> {
    return this.photos.content(user, tabId, id, size);
  }

  /**
   * Sets the photo (the tab's contact editors): JPEG, PNG, WebP or GIF (its first frame), at most 4 MiB and
   * 8192 x 8192 pixels. The format is read from the bytes; a photo is stored without its metadata (GPS
   * included), upright, at most 2048 pixels a side, with its square sizes. The contact's ETag changes.
   */
  @Put('photo/$value')
  @ImageRoute()
  @ApiIfMatch()
  @ApiConsumes(...IMAGE_TYPES)
  @ApiBody({ required: true, schema: BINARY })
  @ApiOkResponse({ type: PhotoDto })
  @ApiForbiddenResponse({
    description: "The tab's permissions do not let the caller edit its contacts.",
    type: ErrorResponseDto,
  })
  @ApiPayloadTooLargeResponse({ description: 'The photo is over 4 MiB.', type: ErrorResponseDto })
  @ApiUnsupportedMediaTypeResponse({
    description: 'The body is not a JPEG, PNG, WebP or GIF image, or not the type Content-Type names.',
    type: ErrorResponseDto,
  })
  upload(
    @CurrentUser() user: AuthenticatedUser,
    @Param('tabId', TabIdPipe) tabId: string,
    @Param('id', ContactIdPipe) id: string,
    @Body() body: unknown,
    @BodyMediaType() contentType: string | undefined,
    @Headers('if-match') ifMatch?: string,
  ): Promise<PhotoResource> {
    return this.photos.upload(user, tabId, id, body, contentType, ifMatch);
  }

  /** Removes the photo (the tab's contact editors). The contact's ETag changes. */
  @Delete('photo/$value')
  @HttpCode(204)
  @ApiIfMatch()
  @ApiNoContentResponse()
  @ApiForbiddenResponse({
    description: "The tab's permissions do not let the caller edit its contacts.",
    type: ErrorResponseDto,
  })
  remove(
    @CurrentUser() user: AuthenticatedUser,
    @Param('tabId', TabIdPipe) tabId: string,
    @Param('id', ContactIdPipe) id: string,
    @Headers('if-match') ifMatch?: string,
  ): Promise<void> {
    return this.photos.remove(user, tabId, id, ifMatch);
  }
}

function contentOf(types: readonly string[]): Record<string, { schema: typeof BINARY }> {
  return Object.fromEntries(types.map((type) => [type, { schema: BINARY }]));
}
