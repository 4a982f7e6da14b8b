export { UserCollectionDto, UserDto } from './dto/user.dto';
export { userModel } from './user.entity-model';
export { UsersModule } from './users.module';
export { toUserDto, UsersService } from './users.service';
