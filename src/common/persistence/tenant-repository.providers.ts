import { Inject, type FactoryProvider } from '@nestjs/common';
import { getModelToken } from '@nestjs/mongoose';
import type { Model } from 'mongoose';
import { MongooseTenantRepository, type TenantOwned, type TenantRepository } from './tenant-scope';

/** The DI token of a tenant-owned model's repository. */
export function tenantRepositoryToken(modelName: string): string {
  return `${modelName}TenantRepository`;
}

/**
 * The repository of a tenant-owned model, registered in its feature module beside
 * `MongooseModule.forFeature`: `providers: [tenantRepositoryFor(Contact.name), …]`.
 */
export function tenantRepositoryFor(modelName: string): FactoryProvider<TenantRepository<TenantOwned>> {
  return {
    provide: tenantRepositoryToken(modelName),
    inject: [getModelToken(modelName)],
    useFactory: (model: Model<TenantOwned>) => new MongooseTenantRepository(model),
  };
}

/** Injects the repository {@link tenantRepositoryFor} registers, as `@InjectModel` injects the model. */
export function InjectTenantRepository(modelName: string): ParameterDecorator {
  return Inject(tenantRepositoryToken(modelName));
}
