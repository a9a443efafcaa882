/**
 * A Google Cloud Storage JSON API double on 127.0.0.1, for tests and the BigQuery demo: the REAL
 * `@google-cloud/storage` client talks to it through `apiEndpoint` (with any bearer token).
 * Test infrastructure, not a product feature.
 *
 * It serves what the GCS object store and the BigQuery double use: bucket GET; object metadata GET,
 * `?alt=media` download (with `x-goog-hash` so the client validates what it reads), DELETE; list
 * with `prefix`, `delimiter`, `maxResults`, `pageToken`; multipart uploads
 * (`/upload/storage/v1/b/<bucket>/o?uploadType=multipart`) and resumable sessions
 * (`uploadType=resumable`, then PUTs with `Content-Range`, whole or in chunks, and `bytes *∕N`
 * status queries). Every write makes a new generation; `ifGenerationMatch` /
 * `ifGenerationNotMatch` fail with 412 as in GCS. Requests without `Authorization: Bearer …` get
 * 401 — except PUTs to a resumable session URI, which GCS also accepts unauthenticated (the session
 * id is the credential). A bucket named in `forbiddenBuckets` answers 403, an unknown bucket 404,
 * each with a GCS-shaped JSON error body.
 *
 * ```ts
 * const gcs = await startGcsDouble({ buckets: ['lake'] });
 * const store = createGcsObjectStore({ bucket: 'lake', apiEndpoint: gcs.url, accessToken: 'test-token' });
 * ```
 */
import { createHash, randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { BlobAccess } from './blob-access.ts';

/** Options of `startGcsDouble`. */
export interface GcsDoubleOptions {
  /** Buckets that exist from the start. */
  readonly buckets?: readonly string[];
  /** Buckets that exist but refuse every request with 403 (a bucket the credentials may not use). */
  readonly forbiddenBuckets?: readonly string[];
}

/** One request the double received. */
export interface GcsRecordedRequest {
  readonly method: string;
  /** The URL path as sent (object names stay percent-encoded). */
  readonly path: string;
  readonly query: Readonly<Record<string, string>>;
  /** The route it matched, with names as placeholders: `GET /storage/v1/b/{bucket}/o/{object}`. */
  readonly route: string;
  /** Selected headers whose form matters to the protocol (`content-type` without parameters, `content-range` shape). */
  readonly headers: Readonly<Record<string, string>>;
}

/** A running double. */
export interface GcsDouble {
  /** `http://127.0.0.1:<port>`, for the client's `apiEndpoint`. */
  readonly url: string;
  /** The objects, for tests and the BigQuery double (load/extract jobs). */
  readonly objects: BlobAccess;
  /** Every request received, in order. */
  readonly requests: GcsRecordedRequest[];
  createBucket(name: string): void;
  close(): Promise<void>;
}

interface StoredObject {
  readonly data: Buffer;
  readonly generation: string;
  readonly metageneration: string;
  readonly contentType: string;
  readonly created: Date;
  readonly crc32c: string;
  readonly md5Hash: string;
}

interface UploadSession {
  readonly bucket: string;
  readonly name: string;
  readonly contentType: string;
  readonly ifGenerationMatch: string | undefined;
  readonly ifGenerationNotMatch: string | undefined;
  chunks: Buffer[];
  received: number;
  done: StoredObject | undefined;
}

class GcsHttpError extends Error {
  constructor(readonly status: number, readonly reason: string, message: string) {
    super(message);
  }
}

const PRINCIPAL = 'quarry-test@quarry-double.iam.gserviceaccount.com';

/** Starts a GCS JSON API double on 127.0.0.1 (a free port). */
export async function startGcsDouble(options: GcsDoubleOptions = {}): Promise<GcsDouble> {
  const buckets = new Map<string, Map<string, StoredObject>>();
  const forbidden = new Set(options.forbiddenBuckets ?? []);
  for (const name of [...(options.buckets ?? []), ...forbidden]) buckets.set(name, new Map());
  const sessions = new Map<string, UploadSession>();
  const requests: GcsRecordedRequest[] = [];
  let lastGeneration = 0;
  let url = '';

  const nextGeneration = (): string => {
    // Like GCS: microseconds since the epoch, strictly increasing.
    lastGeneration = Math.max(lastGeneration + 1, Date.now() * 1000);
    return String(lastGeneration);
  };

  const bucketOf = (name: string, permission: string, object?: string): Map<string, StoredObject> => {
    const bucket = buckets.get(name);
    if (bucket === undefined) throw new GcsHttpError(404, 'notFound', 'The specified bucket does not exist.');
    if (forbidden.has(name)) {
      const what = object === undefined ? 'bucket' : 'object';
      throw new GcsHttpError(403, 'forbidden', `${PRINCIPAL} does not have ${permission} access to the Google Cloud Storage ${what}. Permission '${permission}' denied on resource (or it may not exist).`);
    }
    return bucket;
  };

  const checkPreconditions = (current: StoredObject | undefined, query: URLSearchParams | { ifGenerationMatch?: string | undefined; ifGenerationNotMatch?: string | undefined }): void => {
    const get = (key: 'ifGenerationMatch' | 'ifGenerationNotMatch') => (query instanceof URLSearchParams ? query.get(key) ?? undefined : query[key]);
    const match = get('ifGenerationMatch');
    const notMatch = get('ifGenerationNotMatch');
    const generation = current?.generation ?? '0';
    if ((match !== undefined && match !== generation) || (notMatch !== undefined && notMatch === generation)) {
      throw new GcsHttpError(412, 'conditionNotMet', 'At least one of the pre-conditions you specified did not hold.');
    }
  };

  const store = (bucket: Map<string, StoredObject>, name: string, data: Buffer, contentType: string): StoredObject => {
    const object: StoredObject = {
      data,
      generation: nextGeneration(),
      metageneration: '1',
      contentType,
      created: new Date(),
      crc32c: crc32cBase64(data),
      md5Hash: createHash('md5').update(data).digest('base64'),
    };
    bucket.set(name, object);
    return object;
  };

  const resource = (bucketName: string, name: string, object: StoredObject) => {
    const encoded = encodeURIComponent(name);
    return {
      kind: 'storage#object',
      id: `${bucketName}/${name}/${object.generation}`,
      selfLink: `${url}/storage/v1/b/${bucketName}/o/${encoded}`,
      mediaLink: `${url}/download/storage/v1/b/${bucketName}/o/${encoded}?generation=${object.generation}&alt=media`,
      name,
      bucket: bucketName,
      generation: object.generation,
      metageneration: object.metageneration,
      contentType: object.contentType,
      storageClass: 'STANDARD',
      size: String(object.data.byteLength),
      md5Hash: object.md5Hash,
      crc32c: object.crc32c,
      etag: Buffer.from(object.generation).toString('base64'),
      timeCreated: object.created.toISOString(),
      updated: object.created.toISOString(),
      timeStorageClassUpdated: object.created.toISOString(),
    };
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const parsed = new URL(req.url ?? '/', 'http://127.0.0.1');
    const query = parsed.searchParams;
    const segments = parsed.pathname.split('/').slice(1);
    const method = req.method ?? 'GET';
    const route = routeOf(method, segments, query);
    requests.push({
      method,
      path: parsed.pathname,
      query: Object.fromEntries(query),
      route,
      headers: protocolHeaders(req),
    });
    const body = await readBody(req);
    const isSessionPut = method === 'PUT' && route === 'PUT /upload/storage/v1/b/{bucket}/o?uploadType=resumable&upload_id';
    if (!isSessionPut && !/^Bearer \S+/.test(req.headers.authorization ?? '')) {
      res.setHeader('www-authenticate', 'Bearer realm="https://accounts.google.com/"');
      throw new GcsHttpError(401, 'required', `Anonymous caller does not have storage.objects.get access to the Google Cloud Storage object. Permission 'storage.objects.get' denied on resource (or it may not exist).`);
    }
    // /storage/v1/b/<bucket>/o/<object> and /upload/storage/v1/b/<bucket>/o
    const upload = segments[0] === 'upload' ? 1 : 0;
    const bucketName = decodeURIComponent(segments[3 + upload] ?? '');
    const objectName = upload === 1 || segments[5] === undefined ? '' : decodeURIComponent(segments.slice(5).join('/'));

    switch (route) {
      case 'GET /storage/v1/b/{bucket}': {
        bucketOf(bucketName, 'storage.buckets.get');
        return json(res, 200, { kind: 'storage#bucket', id: bucketName, name: bucketName, location: 'US', storageClass: 'STANDARD', locationType: 'multi-region', metageneration: '1', timeCreated: new Date(0).toISOString() });
      }
      case 'GET /storage/v1/b/{bucket}/o': {
        const bucket = bucketOf(bucketName, 'storage.objects.list');
        return json(res, 200, listObjects(bucketName, bucket, query));
      }
      case 'GET /storage/v1/b/{bucket}/o/{object}': {
        const bucket = bucketOf(bucketName, 'storage.objects.get', objectName);
        const object = bucket.get(objectName);
        if (object === undefined || (query.has('generation') && query.get('generation') !== object.generation)) {
          throw new GcsHttpError(404, 'notFound', `No such object: ${bucketName}/${objectName}`);
        }
        checkPreconditions(object, query);
        if (query.get('alt') === 'media') return media(res, object);
        return json(res, 200, resource(bucketName, objectName, object));
      }
      case 'DELETE /storage/v1/b/{bucket}/o/{object}': {
        const bucket = bucketOf(bucketName, 'storage.objects.delete', objectName);
        const object = bucket.get(objectName);
        if (object === undefined) throw new GcsHttpError(404, 'notFound', `No such object: ${bucketName}/${objectName}`);
        checkPreconditions(object, query);
        bucket.delete(objectName);
        res.writeHead(204).end();
        return;
      }
      case 'POST /upload/storage/v1/b/{bucket}/o?uploadType=multipart': {
        const bucket = bucketOf(bucketName, 'storage.objects.create', query.get('name') ?? '');
        const { metadata, data, contentType } = parseMultipart(req.headers['content-type'] ?? '', body);
        const name = query.get('name') ?? (typeof metadata.name === 'string' ? metadata.name : '');
        if (name === '') throw new GcsHttpError(400, 'required', 'Required');
        checkPreconditions(bucket.get(name), query);
        const object = store(bucket, name, data, contentType);
        return json(res, 200, resource(bucketName, name, object));
      }
      case 'POST /upload/storage/v1/b/{bucket}/o?uploadType=resumable': {
        const bucket = bucketOf(bucketName, 'storage.objects.create', query.get('name') ?? '');
        const metadata = body.byteLength === 0 ? {} : JSON.parse(body.toString('utf8')) as { name?: string; contentType?: string };
        const name = query.get('name') ?? metadata.name ?? '';
        if (name === '') throw new GcsHttpError(400, 'required', 'Required');
        checkPreconditions(bucket.get(name), query);
        const id = randomBytes(12).toString('hex');
        sessions.set(id, {
          bucket: bucketName,
          name,
          contentType: String(req.headers['x-upload-content-type'] ?? metadata.contentType ?? 'application/octet-stream'),
          ifGenerationMatch: query.get('ifGenerationMatch') ?? undefined,
          ifGenerationNotMatch: query.get('ifGenerationNotMatch') ?? undefined,
          chunks: [],
          received: 0,
          done: undefined,
        });
        res.setHeader('location', `${url}/upload/storage/v1/b/${encodeURIComponent(bucketName)}/o?uploadType=resumable&name=${encodeURIComponent(name)}&upload_id=${id}`);
        return json(res, 200, {});
      }
      case 'PUT /upload/storage/v1/b/{bucket}/o?uploadType=resumable&upload_id': {
        const session = sessions.get(query.get('upload_id') ?? '');
        if (session === undefined) throw new GcsHttpError(404, 'notFound', 'No such upload session.');
        if (session.done !== undefined) return json(res, 200, resource(session.bucket, session.name, session.done));
        const range = /^bytes (\*|(\d+)-(\d+|\*))\/(\d+|\*)$/.exec(String(req.headers['content-range'] ?? ''));
        if (range === null) throw new GcsHttpError(400, 'invalid', `Bad Content-Range ${JSON.stringify(req.headers['content-range'] ?? null)}.`);
        const total = range[4] === '*' ? undefined : Number(range[4]);
        if (range[1] !== '*') {
          const start = Number(range[2]);
          if (start > session.received) throw new GcsHttpError(400, 'invalid', `Upload chunk starts at ${start}, but only ${session.received} bytes were received.`);
          // A resent chunk overlaps what arrived already: keep only the new bytes.
          const fresh = body.subarray(session.received - start);
          session.chunks.push(fresh);
          session.received += fresh.byteLength;
        }
        const complete = total !== undefined ? session.received >= total : range[3] === '*';
        if (!complete) {
          if (session.received > 0) res.setHeader('range', `bytes=0-${session.received - 1}`);
          res.writeHead(308).end();
          return;
        }
        const bucket = bucketOf(session.bucket, 'storage.objects.create', session.name);
        checkPreconditions(bucket.get(session.name), session);
        session.done = store(bucket, session.name, Buffer.concat(session.chunks), session.contentType);
        session.chunks = [];
        return json(res, 200, resource(session.bucket, session.name, session.done));
      }
      default:
        throw new GcsHttpError(404, 'notFound', `The GCS double does not serve ${method} ${parsed.pathname}${parsed.search}.`);
    }
  };

  const listObjects = (bucketName: string, bucket: Map<string, StoredObject>, query: URLSearchParams) => {
    const prefix = query.get('prefix') ?? '';
    const delimiter = query.get('delimiter') ?? '';
    const maxResults = Math.min(Number(query.get('maxResults') ?? 1000) || 1000, 1000);
    const after = query.has('pageToken') ? Buffer.from(query.get('pageToken')!, 'base64url').toString('utf8') : undefined;
    // GCS orders by UTF-8 bytes.
    const names = [...bucket.keys()].filter((n) => n.startsWith(prefix)).sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
    const items: ReturnType<typeof resource>[] = [];
    const prefixes: string[] = [];
    let nextPageToken: string | undefined;
    for (const name of names) {
      if (after !== undefined && Buffer.compare(Buffer.from(name), Buffer.from(after)) <= 0) continue;
      let entry = name;
      if (delimiter !== '') {
        const cut = name.indexOf(delimiter, prefix.length);
        if (cut >= 0) entry = name.slice(0, cut + delimiter.length);
      }
      if (entry !== name && prefixes.includes(entry)) continue;
      if (items.length + prefixes.length === maxResults) {
        nextPageToken = Buffer.from(lastKey(items, prefixes)).toString('base64url');
        break;
      }
      if (entry !== name) prefixes.push(entry);
      else items.push(resource(bucketName, name, bucket.get(name)!));
    }
    return { kind: 'storage#objects', ...(items.length > 0 ? { items } : {}), ...(prefixes.length > 0 ? { prefixes } : {}), ...(nextPageToken !== undefined ? { nextPageToken } : {}) };
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      if (res.headersSent) {
        res.destroy();
        return;
      }
      const status = error instanceof GcsHttpError ? error.status : 500;
      const reason = error instanceof GcsHttpError ? error.reason : 'backendError';
      const message = error instanceof Error ? error.message : String(error);
      json(res, status, { error: { code: status, message, errors: [{ message, domain: 'global', reason }] } });
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  const objects: BlobAccess = {
    async read(bucket, name) {
      const object = buckets.get(bucket)?.get(name);
      return object === undefined ? undefined : new Uint8Array(object.data);
    },
    async write(bucket, name, data) {
      const objectsOfBucket = buckets.get(bucket);
      if (objectsOfBucket === undefined) throw new Error(`GCS double: bucket ${JSON.stringify(bucket)} does not exist (gs://${bucket}/${name}).`);
      store(objectsOfBucket, name, Buffer.from(data), 'application/octet-stream');
    },
    async list(bucket, prefix) {
      return [...(buckets.get(bucket)?.keys() ?? [])].filter((n) => n.startsWith(prefix)).sort();
    },
  };

  return {
    url,
    objects,
    requests,
    createBucket(name) {
      if (!buckets.has(name)) buckets.set(name, new Map());
    },
    close() {
      return new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      });
    },
  };
}

/**
 * The shape of a recorded request, without names, ids or values that vary: its route, its sorted
 * query keys (with the values of `uploadType` and `alt`, which select the protocol) and protocol
 * headers. Two runs of the same client version produce the same shapes.
 */
export function requestShape(request: GcsRecordedRequest): string {
  const keys = Object.keys(request.query).sort().map((k) => (k === 'uploadType' || k === 'alt' || k === 'autoPaginate' ? `${k}=${request.query[k]}` : k));
  const headers = Object.entries(request.headers).sort(([a], [b]) => (a < b ? -1 : 1)).map(([k, v]) => `${k}: ${v}`);
  return [request.route, `query: ${keys.join('&')}`, ...headers].join(' | ');
}

function routeOf(method: string, segments: string[], query: URLSearchParams): string {
  const [first, second, third, fourth, , fifth] = segments;
  if (first === 'storage' && second === 'v1' && third === 'b' && fourth !== undefined) {
    if (segments.length === 4) return `${method} /storage/v1/b/{bucket}`;
    if (segments[4] === 'o' && segments.length === 5) return `${method} /storage/v1/b/{bucket}/o`;
    if (segments[4] === 'o' && fifth !== undefined) return `${method} /storage/v1/b/{bucket}/o/{object}`;
  }
  if (first === 'upload' && second === 'storage' && segments[2] === 'v1' && segments[3] === 'b' && segments[5] === 'o' && segments.length === 6) {
    const type = query.get('uploadType') ?? '';
    return `${method} /upload/storage/v1/b/{bucket}/o?uploadType=${type}${query.has('upload_id') ? '&upload_id' : ''}`;
  }
  return `${method} ${segments.length === 0 ? '/' : '/?'}`;
}

function protocolHeaders(req: IncomingMessage): Record<string, string> {
  const out: Record<string, string> = {};
  const contentType = req.headers['content-type'];
  if (contentType !== undefined) out['content-type'] = contentType.split(';')[0]!.trim();
  const range = req.headers['content-range'];
  if (range !== undefined) out['content-range'] = range.replace(/\d+/g, 'N');
  if (req.headers.authorization !== undefined) out.authorization = req.headers.authorization.replace(/ .*/, ' …');
  if (req.headers['x-upload-content-type'] !== undefined) out['x-upload-content-type'] = 'set';
  return out;
}

function lastKey(items: { name: string }[], prefixes: string[]): string {
  const candidates = [...items.map((i) => i.name), ...prefixes];
  return candidates.sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)))[candidates.length - 1] ?? '';
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

function json(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=UTF-8', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

function media(res: ServerResponse, object: StoredObject): void {
  res.writeHead(200, {
    'content-type': object.contentType,
    'content-length': object.data.byteLength,
    'x-goog-hash': `crc32c=${object.crc32c},md5=${object.md5Hash}`,
    'x-goog-generation': object.generation,
    'x-goog-metageneration': object.metageneration,
    'x-goog-stored-content-encoding': 'identity',
    'x-goog-stored-content-length': String(object.data.byteLength),
  });
  res.end(object.data);
}

// multipart/related as the client sends it: a JSON metadata part, then the media part.
function parseMultipart(contentType: string, body: Buffer): { metadata: Record<string, unknown>; data: Buffer; contentType: string } {
  const boundary = /boundary="?([^";]+)"?/.exec(contentType)?.[1];
  if (!contentType.startsWith('multipart/related') || boundary === undefined) {
    throw new GcsHttpError(400, 'invalid', `A multipart upload needs Content-Type multipart/related with a boundary (got ${JSON.stringify(contentType)}).`);
  }
  const delimiter = Buffer.from(`--${boundary}`);
  const parts: { headers: string; content: Buffer }[] = [];
  let at = body.indexOf(delimiter);
  while (at >= 0) {
    const start = at + delimiter.byteLength;
    if (body.subarray(start, start + 2).toString() === '--') break;
    const next = body.indexOf(delimiter, start);
    if (next < 0) break;
    const part = body.subarray(start + 2, next - 2); // skip the CRLF after the delimiter and before the next one
    const split = part.indexOf('\r\n\r\n');
    parts.push({ headers: part.subarray(0, split).toString('utf8'), content: part.subarray(split + 4) });
    at = next;
  }
  if (parts.length !== 2) throw new GcsHttpError(400, 'invalid', `A multipart upload needs two parts, got ${parts.length}.`);
  const mediaType = /content-type:\s*([^\r\n]+)/i.exec(parts[1]!.headers)?.[1]?.trim() ?? 'application/octet-stream';
  return { metadata: JSON.parse(parts[0]!.content.toString('utf8')) as Record<string, unknown>, data: Buffer.from(parts[1]!.content), contentType: mediaType };
}

const CRC32C_TABLE = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0x82f63b78 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

/** CRC32C (Castagnoli) of `data`, base64 of its 4 big-endian bytes, as GCS reports it. */
function crc32cBase64(data: Buffer): string {
  let crc = 0xffffffff;
  for (let i = 0; i < data.length; i++) crc = CRC32C_TABLE[(crc ^ data[i]!) & 0xff]! ^ (crc >>> 8);
  const out = Buffer.alloc(4);
  out.writeUInt32BE((crc ^ 0xffffffff) >>> 0);
  return out.toString('base64');
}
