import { SetMetadata } from '@nestjs/common';

export const IS_PUBLIC = 'contactPro:isPublic';

/** Marks a controller or route as open without a token (health probes, documentation). */
export const Public = (): ClassDecorator & MethodDecorator => SetMetadata(IS_PUBLIC, true);
