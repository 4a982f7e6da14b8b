import { Module } from '@nestjs/common';
import { MongooseModule } from '@nestjs/mongoose';
import { TenantCachesModule } from '../admin/tenant-caches';
import { AuthModule } from '../auth';
import { tenantRepositoryFor } from '../common/persistence/tenant-repository.providers';
import { GraphProfileClient } from './graph-profile.client';
import { User, UserSchema } from './user.schema';
import { UsersController } from './users.controller';
import { UsersService } from './users.service';

/** User profiles: recorded at sign-in (a SignInHandler of the auth guard), read through /me and /users. */
@Module({
  imports: [
    MongooseModule.forFeature([{ name: User.name, schema: UserSchema }]),
    AuthModule,
    TenantCachesModule,
  ],
  controllers: [UsersController],
  providers: [UsersService, GraphProfileClient, tenantRepositoryFor(User.name)],
  exports: [UsersService],
})
export class UsersModule {}
