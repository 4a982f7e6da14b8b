import { BSON } from 'mongodb';
import { createServer, connect, type Server, type Socket } from 'node:net';

/** One command a client sent, as the wire carried it. */
export interface WireCommand {
  name: string;
  db: string;
  collection?: string;
}

const OP_MSG = 2013;
/** Connection upkeep, not the work of a request. */
const UPKEEP = new Set([
  'hello',
  'ismaster',
  'isMaster',
  'ping',
  'saslStart',
  'saslContinue',
  'endSessions',
  'buildInfo',
]);

/**
 * A TCP proxy in front of the test database that records every command the driver sends (OP_MSG body
 * sections), whatever the driver's own monitoring settings: point a service's MONGODB_URI at `uri`.
 */
export class CommandCounter {
  readonly commands: WireCommand[] = [];
  private readonly sockets = new Set<Socket>();

  private constructor(
    private readonly server: Server,
    readonly uri: string,
  ) {}

  static async start(targetUri: string): Promise<CommandCounter> {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as { port: number };
    const uri = new URL(targetUri);
    uri.host = `127.0.0.1:${port}`;
    const counter = new CommandCounter(server, uri.toString());
    const target = new URL(targetUri);
    server.on('connection', (client: Socket) => counter.relay(client, target));
    return counter;
  }

  /** Commands of request work (connection upkeep left out) against one database since `since`. */
  workSince(since: number, db: string): WireCommand[] {
    return this.commands.slice(since).filter((command) => command.db === db && !UPKEEP.has(command.name));
  }

  async stop(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  /** Forwards one client connection to the database, reading the commands it sends on the way. */
  private relay(client: Socket, target: URL): void {
    const upstream = connect(Number(target.port), target.hostname);
    this.track(client, upstream);
    let pending = Buffer.alloc(0);
    client.on('data', (chunk: Buffer) => {
      pending = Buffer.concat([pending, chunk]);
      while (pending.length >= 4 && pending.length >= pending.readInt32LE(0)) {
        const length = pending.readInt32LE(0);
        this.record(pending.subarray(0, length));
        pending = pending.subarray(length);
      }
      upstream.write(chunk);
    });
    upstream.pipe(client);
    const close = () => {
      client.destroy();
      upstream.destroy();
    };
    client.on('error', close).on('close', close);
    upstream.on('error', close).on('close', close);
  }

  private track(...sockets: Socket[]): void {
    for (const socket of sockets) {
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
    }
  }

  private record(message: Buffer): void {
    if (message.readInt32LE(12) !== OP_MSG || message[20] !== 0) return;
    const size = message.readInt32LE(21);
    const body = BSON.deserialize(message.subarray(21, 21 + size));
    const name = Object.keys(body)[0];
    const target = body[name];
    this.commands.push({
      name,
      db: String(body.$db),
      collection: typeof target === 'string' ? target : undefined,
    });
  }
}
