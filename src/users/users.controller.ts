import { Controller, Get, Param } from '@nestjs/common';
import { ApiNotFoundResponse, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { Auth, type AuthenticatedUser, CurrentUser } from '../auth';
import { ErrorResponseDto } from '../common/errors/error-response.dto';
import { ApiODataList, ODataQuery, type ODataCollection } from '../odata';
import { UserCollectionDto, UserDto } from './dto/user.dto';
import { userModel } from './user.entity-model';
import { UserIdPipe } from './user-id.pipe';
import { UsersService } from './users.service';

@ApiTags('users')
@Auth()
@Controller('api/v1')
export class UsersController {
  constructor(private readonly users: UsersService) {}

  /** The caller's profile, as recorded at login. */
  @Get('me')
  @ApiOkResponse({ type: UserDto })
  me(@CurrentUser() user: AuthenticatedUser): Promise<UserDto> {
    return this.users.me(user);
  }

  /** The users of the caller's organization known to the app. Filter and sort on displayName, userPrincipalName, mail, lastLoginDateTime. */
  @Get('users')
  @ApiODataList(userModel, UserCollectionDto, {
    search: false,
    select: 'displayName,mail,jobTitle',
    filter: "startswith(displayName,'ad') and lastLoginDateTime ge 2025-01-01T00:00:00Z",
    orderby: 'lastLoginDateTime desc',
  })
  list(
    @CurrentUser() user: AuthenticatedUser,
    @ODataQuery(userModel) query: ODataQuery,
  ): Promise<ODataCollection<UserDto>> {
    return this.users.list(user, query);
  }

  /** One user of the caller's organization, by Azure AD object id. */
  @Get('users/:id')
  @ApiOkResponse({ type: UserDto })
  @ApiNotFoundResponse({
    description: "No user with this id in the caller's organization.",
    type: ErrorResponseDto,
  })
  findById(@CurrentUser() user: AuthenticatedUser, @Param('id', UserIdPipe) id: string): Promise<UserDto> {
    return this.users.findById(user, id);
  }
}
