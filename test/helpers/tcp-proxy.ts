/**
 * A TCP proxy on 127.0.0.1 in front of the test PostgreSQL server, so a test can cut Timeport off
 * from its database (and give it back) without touching the shared server.
 *
 * - `up`: connections are forwarded.
 * - `refusing`: every connection, open or new, is reset at once, as when the server is down.
 * - `silent`: new connections are accepted and never answered, and open ones stall, as when the
 *   network is cut without a reset: only timeouts end the wait.
 */
import net from 'node:net';

export type ProxyMode = 'up' | 'refusing' | 'silent';

export class TcpProxy {
  private readonly server: net.Server;
  private readonly pairs = new Set<{ client: net.Socket; upstream: net.Socket | undefined }>();
  private mode: ProxyMode = 'up';
  /** Connections accepted since the proxy started. */
  accepted = 0;

  private constructor(
    private readonly target: { host: string; port: number },
    server: net.Server,
  ) {
    this.server = server;
  }

  static async start(target: { host: string; port: number }): Promise<TcpProxy> {
    const server = net.createServer();
    const proxy = new TcpProxy(target, server);
    server.on('connection', (client) => proxy.accept(client));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', resolve);
    });
    return proxy;
  }

  get port(): number {
    return (this.server.address() as net.AddressInfo).port;
  }

  /** The URL of `databaseUrl`'s database, reached through this proxy. */
  urlFor(databaseUrl: string): string {
    const url = new URL(databaseUrl);
    url.hostname = '127.0.0.1';
    url.port = String(this.port);
    return url.toString();
  }

  setMode(mode: ProxyMode): void {
    this.mode = mode;
    if (mode === 'refusing') {
      for (const pair of this.pairs) {
        pair.client.resetAndDestroy();
        pair.upstream?.destroy();
      }
      this.pairs.clear();
    }
    if (mode === 'silent') {
      // Open connections stall: nothing more is passed in either direction.
      for (const pair of this.pairs) {
        pair.client.unpipe();
        pair.upstream?.unpipe();
        pair.client.pause();
        pair.upstream?.pause();
      }
    }
  }

  private accept(client: net.Socket): void {
    this.accepted += 1;
    client.on('error', () => undefined);
    if (this.mode === 'refusing') {
      client.resetAndDestroy();
      return;
    }
    const pair: { client: net.Socket; upstream: net.Socket | undefined } = { client, upstream: undefined };
    this.pairs.add(pair);
    client.on('close', () => {
      pair.upstream?.destroy();
      this.pairs.delete(pair);
    });
    if (this.mode === 'silent') return;
    const upstream = net.connect(this.target.port, this.target.host);
    pair.upstream = upstream;
    upstream.on('error', () => client.destroy());
    upstream.on('close', () => client.destroy());
    client.pipe(upstream);
    upstream.pipe(client);
  }

  async close(): Promise<void> {
    this.setMode('refusing');
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
