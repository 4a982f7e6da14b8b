import { Module } from '@nestjs/common';
import { MongooseModule } from '@nestjs/mongoose';
import { SignInHandler } from '../auth';
import { tenantRepositoryFor } from '../common/tenant-repository.providers';
import { GraphProfileClient } from './graph-profile.client';
import { User, UserSchema } from './user.schema';
import { UsersController } from './users.controller';
import { UsersService } from './users.service';

/** User profiles: recorded at login (the auth guard calls the SignInHandler), read through /me and /users. */
@Module({
  imports: [MongooseModule.forFeature([{ name: User.name, schema: UserSchema }])],
  controllers: [UsersController],
  providers: [
    UsersService,
    GraphProfileClient,
    tenantRepositoryFor(User.name),
    { provide: SignInHandler, useExisting: UsersService },
  ],
  exports: [UsersService, SignInHandler],
})
export class UsersModule {}
