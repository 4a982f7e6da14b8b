import { BlobServiceClient, type ContainerClient } from '@azure/storage-blob';
import type { Response } from 'supertest';

/** The test app's photo container, read through the Azure SDK directly (what is really stored). */
export function photoContainer(container: string): ContainerClient {
  const connectionString = process.env.AZURE_STORAGE_CONNECTION_STRING;
  if (!connectionString)
    throw new Error('AZURE_STORAGE_CONNECTION_STRING is not set: run the tests through jest');
  return BlobServiceClient.fromConnectionString(connectionString).getContainerClient(container);
}

/** Every blob name in the container (or under a prefix), sorted. */
export async function blobNames(container: ContainerClient, prefix = ''): Promise<string[]> {
  const names: string[] = [];
  for await (const blob of container.listBlobsFlat({ prefix })) names.push(blob.name);
  return names.sort();
}

/** A supertest parser that keeps the body as bytes, whatever its media type (`.buffer(true).parse(binaryBody)`). */
export function binaryBody(res: Response, done: (error: Error | null, body: Buffer) => void): void {
  const chunks: Buffer[] = [];
  res.on('data', (chunk: Buffer) => chunks.push(chunk));
  res.on('end', () => done(null, Buffer.concat(chunks)));
}
