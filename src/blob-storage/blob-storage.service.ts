import { Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { BlobServiceClient, RestError, type ContainerClient } from '@azure/storage-blob';
import { ApiError } from '../common/errors/api-error';
import { AppConfig } from '../config/app-config';

/** Seconds a caller is told to wait when the storage does not answer. */
export const STORAGE_RETRY_AFTER_SECONDS = 5;

/** One stored blob as a listing shows it. */
export interface BlobEntry {
  name: string;
  lastModified: Date;
}

/** A downloaded blob. */
export interface BlobContent {
  data: Buffer;
  contentType: string;
}

/** The storage did not answer, or answered with a server error: the caller gets a 503 with Retry-After. */
export function storageUnavailable(): ApiError {
  return ApiError.serviceUnavailable(
    'The photo storage is unreachable right now; retry later.',
    STORAGE_RETRY_AFTER_SECONDS,
  );
}

function isNotFound(error: unknown): boolean {
  return error instanceof RestError && error.statusCode === 404;
}

/**
 * The deployment's one blob container in Azure Blob Storage (or Azurite), through @azure/storage-blob.
 * Off without AZURE_STORAGE_CONNECTION_STRING. The container is created at start; a storage unreachable
 * then does not stop the service (it is created on first use). Every fault of the storage becomes a 503
 * with Retry-After for the caller: only the routes that use blobs are affected.
 */
@Injectable()
export class BlobStorage implements OnModuleInit {
  private readonly logger = new Logger('BlobStorage');
  private client?: ContainerClient;
  private containerReady = false;

  constructor(private readonly config: AppConfig) {}

  get enabled(): boolean {
    return this.config.photos.connectionString !== undefined;
  }

  async onModuleInit(): Promise<void> {
    const { connectionString, container, timeoutMs } = this.config.photos;
    if (connectionString === undefined) return;
    const service = BlobServiceClient.fromConnectionString(connectionString, {
      retryOptions: { maxTries: 2, tryTimeoutInMs: timeoutMs, retryDelayInMs: 100, maxRetryDelayInMs: 500 },
    });
    this.client = service.getContainerClient(container);
    try {
      await this.ensureContainer();
    } catch (error) {
      this.logger.warn(`blob container not created at start: ${(error as Error).message}`);
    }
  }

  async upload(name: string, data: Buffer, contentType: string): Promise<void> {
    const container = await this.container();
    await this.call(() =>
      container
        .getBlockBlobClient(name)
        .uploadData(data, { blobHTTPHeaders: { blobContentType: contentType } }),
    );
  }

  /** The blob's bytes, or null when there is no such blob. */
  async download(name: string): Promise<BlobContent | null> {
    const container = await this.container();
    return this.call(async () => {
      try {
        const blob = container.getBlobClient(name);
        const response = await blob.download();
        const data = await streamToBuffer(response.readableStreamBody as NodeJS.ReadableStream);
        return { data, contentType: response.contentType ?? 'application/octet-stream' };
      } catch (error) {
        if (isNotFound(error)) return null;
        throw error;
      }
    });
  }

  /** Deletes blobs by name; one already gone counts as deleted. */
  async delete(names: readonly string[]): Promise<void> {
    const container = await this.container();
    await this.call(() =>
      Promise.all(names.map((name) => container.getBlobClient(name).deleteIfExists())).then(() => undefined),
    );
  }

  /** Deletes every blob whose name starts with `prefix`; answers how many. */
  async deletePrefix(prefix: string): Promise<number> {
    let deleted = 0;
    for await (const page of this.pages(prefix)) {
      await this.delete(page.map((entry) => entry.name));
      deleted += page.length;
    }
    return deleted;
  }

  /** The blobs whose names start with `prefix`, a page at a time. */
  async *pages(prefix = ''): AsyncGenerator<BlobEntry[]> {
    const container = await this.container();
    const iterator = container.listBlobsFlat({ prefix }).byPage({ maxPageSize: 500 });
    for (;;) {
      const page = await this.call(() => iterator.next());
      if (page.done) return;
      yield page.value.segment.blobItems.map((item) => ({
        name: item.name,
        lastModified: item.properties.lastModified,
      }));
    }
  }

  /** Answers when the container can be read; throws otherwise (the readiness probe's check). */
  async ping(): Promise<void> {
    const container = await this.container();
    await this.call(() => container.getProperties());
  }

  private async container(): Promise<ContainerClient> {
    if (!this.client) {
      throw ApiError.serviceUnavailable('Contact photos are not configured on this service.');
    }
    if (!this.containerReady) await this.call(() => this.ensureContainer());
    return this.client;
  }

  private async ensureContainer(): Promise<void> {
    await (this.client as ContainerClient).createIfNotExists();
    this.containerReady = true;
  }

  /** Runs one storage call; a fault of the storage (not of the request) is a 503 for the caller. */
  private async call<T>(run: () => Promise<T>): Promise<T> {
    try {
      return await run();
    } catch (error) {
      if (error instanceof ApiError) throw error;
      const status = error instanceof RestError ? error.statusCode : undefined;
      if (status !== undefined && status < 500 && status !== 408) throw error;
      this.logger.warn(`blob storage call failed: ${(error as Error).message}`);
      throw storageUnavailable();
    }
  }
}

async function streamToBuffer(stream: NodeJS.ReadableStream): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}
