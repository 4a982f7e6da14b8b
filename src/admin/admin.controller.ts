import { Controller, Delete, Headers } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiHeader,
  ApiOkResponse,
  ApiPreconditionRequiredResponse,
  ApiTags,
} from '@nestjs/swagger';
import { Auth, type AuthenticatedUser, CurrentUser } from '../auth';
import { ErrorResponseDto } from '../common/errors/error-response.dto';
import { ApiError } from '../common/errors/api-error';
import { TenantDataPurgeDto } from './dto/tenant-data-purge.dto';
import { TenantDataService } from './tenant-data.service';

export const CONFIRM_TENANT_HEADER = 'x-confirm-tenant-id';

@ApiTags('admin')
@Auth({ admin: true })
@Controller('api/v1/admin')
export class AdminController {
  constructor(private readonly tenantData: TenantDataService) {}

  /**
   * Removes every document of the caller's organization from every collection (users, channels, tabs,
   * contacts, ...) and answers the counts. Other organizations are untouched. Repeating it is harmless.
   */
  @Delete('tenant-data')
  @ApiHeader({
    name: CONFIRM_TENANT_HEADER,
    required: true,
    description: "The caller's tenant id, to confirm the purge.",
    schema: { type: 'string', format: 'uuid', example: '11111111-1111-4111-8111-111111111111' },
  })
  @ApiOkResponse({ type: TenantDataPurgeDto })
  @ApiBadRequestResponse({
    description: "X-Confirm-Tenant-Id is not the caller's tenant id.",
    type: ErrorResponseDto,
  })
  @ApiPreconditionRequiredResponse({
    description: 'X-Confirm-Tenant-Id is missing.',
    type: ErrorResponseDto,
  })
  purge(
    @CurrentUser() user: AuthenticatedUser,
    @Headers(CONFIRM_TENANT_HEADER) confirm?: string,
  ): Promise<TenantDataPurgeDto> {
    if (confirm === undefined || confirm.trim() === '') {
      throw ApiError.preconditionRequired(
        "Purging the organization's data needs the header X-Confirm-Tenant-Id with your tenant id.",
        'X-Confirm-Tenant-Id',
      );
    }
    if (confirm.trim().toLowerCase() !== user.tenantId) {
      throw ApiError.badRequest(
        "X-Confirm-Tenant-Id is not your organization's tenant id.",
        'X-Confirm-Tenant-Id',
      );
    }
    return this.tenantData.purge(user.tenantId);
  }
}
