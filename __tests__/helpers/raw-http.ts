/**
 * Raw HTTP/1.1 over a plain TCP socket, for requests a well-behaved client refuses to send
 * (unknown methods, oversized headers, unnormalised paths) and for holding a request open.
 */
import net from 'node:net';

export interface RawResponse {
  /** Status from the status line, or undefined if the server closed without answering. */
  status: number | undefined;
  /** Lower-cased header names. */
  headers: Record<string, string>;
  body: string;
  /** Everything received, verbatim. */
  raw: string;
}

export function parseRawResponse(raw: string): RawResponse {
  const split = raw.indexOf('\r\n\r\n');
  const head = split === -1 ? raw : raw.slice(0, split);
  const body = split === -1 ? '' : raw.slice(split + 4);
  const [statusLine = '', ...headerLines] = head.split('\r\n');
  const match = /^HTTP\/1\.[01] (\d{3})/.exec(statusLine);
  const headers: Record<string, string> = {};
  for (const line of headerLines) {
    const colon = line.indexOf(':');
    if (colon > 0) headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  return { status: match ? Number(match[1]) : undefined, headers, body, raw };
}

/** Opens a TCP connection to the loopback port. */
export function connect(port: number): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.off('error', reject);
      resolve(socket);
    });
    socket.once('error', reject);
  });
}

/** Collects everything the server sends until it closes the connection (or the timeout passes). */
export function readUntilClose(socket: net.Socket, timeoutMs = 10_000): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`no close from the server within ${timeoutMs} ms; got: ${Buffer.concat(chunks).toString('latin1')}`));
    }, timeoutMs);
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    // A reset after the answer still leaves the answer in `chunks`; the status says whether one came.
    socket.on('error', () => undefined);
    socket.once('close', () => {
      clearTimeout(timer);
      resolve(parseRawResponse(Buffer.concat(chunks).toString('latin1')));
    });
  });
}

/**
 * Sends `head` (request line and headers, CRLF-separated, without the final blank line) plus an
 * optional body on a fresh connection and returns what comes back before the server closes it.
 * `Connection: close` is added so the server ends the exchange after one response.
 */
export async function rawRequest(port: number, head: string, body: string | Buffer = ''): Promise<RawResponse> {
  const socket = await connect(port);
  const done = readUntilClose(socket);
  socket.write(`${head}\r\nConnection: close\r\n\r\n`);
  if (body.length > 0) socket.write(body);
  return done;
}

/** Resolves true if a new connection to the port is refused (the listener is closed). */
export function isRefused(port: number): Promise<boolean> {
  return connect(port).then(
    (socket) => {
      socket.destroy();
      return false;
    },
    (err: NodeJS.ErrnoException) => err.code === 'ECONNREFUSED',
  );
}
