import type { CreateUploadResponse, Upload, UploadPurpose, UploadTransfer } from '@chatchat/protocol';
import { ChatClientError } from './chat-client-error.js';
import type { HttpApi } from './http-api.js';
import { apiUrlFrom } from './endpoint-urls.js';

export interface UploadProgress {
  /** Bytes of the file handed to the network so far. */
  loaded: number;
  total: number;
}

export interface UploadOptions {
  /** The room the file will be sent to; required for `purpose: "message"` (the default). */
  roomId?: string;
  purpose?: UploadPurpose;
  /** Defaults: the File's name (or "file"), the Blob's type (or application/octet-stream). */
  name?: string;
  contentType?: string;
  onProgress?: (p: UploadProgress) => void;
  signal?: AbortSignal;
}

export interface UploadDeps {
  api: HttpApi;
  /** http(s) base of the server. */
  url: string;
  getToken: () => Promise<string> | string;
  fetch?: typeof fetch;
}

/**
 * Uploads a file (a Blob or File; on Node `fs.openAsBlob(path)` streams from disk) and
 * resolves with the upload id to put in `message.send`'s `attachments`. Browsers send
 * with XMLHttpRequest (the only way to see upload progress there), Node with a streamed
 * fetch whose chunks are counted as they are taken.
 */
export async function uploadFile(deps: UploadDeps, file: Blob, options: UploadOptions = {}): Promise<Upload> {
  const purpose = options.purpose ?? 'message';
  const name = options.name ?? ((file as Partial<File>).name || 'file');
  const contentType = options.contentType ?? (file.type || 'application/octet-stream');
  const created = await deps.api.request<CreateUploadResponse>('POST', '/uploads', {
    purpose,
    name,
    contentType,
    size: file.size,
    ...(options.roomId ? { roomId: options.roomId } : {}),
  });
  await sendBytes(deps, created.transfer, file, contentType, options);
  const { upload } = await deps.api.request<{ upload: Upload }>('POST', `/uploads/${encodeURIComponent(created.upload.id)}/complete`);
  return upload;
}

async function sendBytes(deps: UploadDeps, transfer: UploadTransfer, file: Blob, contentType: string, options: UploadOptions) {
  const total = file.size;
  const url = transfer.kind === 'put' ? apiUrlFrom(deps.url, transfer.url.replace(/^\/api\/v1/, '')) : transfer.url;
  const headers: Record<string, string> = {};
  let body: Blob | FormData;
  if (transfer.kind === 'put') {
    headers.authorization = `Bearer ${await deps.getToken()}`;
    Object.assign(headers, transfer.headers);
    body = file;
  } else if (typeof XMLHttpRequest !== 'undefined') {
    const form = new FormData();
    for (const [k, v] of Object.entries(transfer.fields)) form.append(k, v);
    form.append('Content-Type', contentType);
    form.append('file', file);
    body = form;
  } else {
    // Node: the multipart form as one lazily read Blob, so its length is known up front.
    const boundary = `----chatchat${Math.random().toString(36).slice(2)}${Date.now().toString(36)}`;
    const parts: BlobPart[] = [];
    for (const [k, v] of Object.entries({ ...transfer.fields, 'Content-Type': contentType })) {
      parts.push(`--${boundary}\r\nContent-Disposition: form-data; name="${k}"\r\n\r\n${v}\r\n`);
    }
    parts.push(
      `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="file"\r\nContent-Type: ${contentType}\r\n\r\n`,
      file,
      `\r\n--${boundary}--\r\n`,
    );
    body = new Blob(parts);
    headers['content-type'] = `multipart/form-data; boundary=${boundary}`;
  }
  if (typeof XMLHttpRequest !== 'undefined') return sendWithXhr(transfer.method, url, headers, body, total, options);
  return sendWithFetch(deps.fetch ?? fetch, transfer.method, url, headers, body as Blob, total, file.size, options);
}

function sendWithXhr(
  method: string,
  url: string,
  headers: Record<string, string>,
  body: Blob | FormData,
  total: number,
  options: UploadOptions,
) {
  return new Promise<void>((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open(method, url);
    for (const [k, v] of Object.entries(headers)) xhr.setRequestHeader(k, v);
    xhr.upload.onprogress = (e) => options.onProgress?.({ loaded: Math.min(e.loaded, total), total });
    xhr.onload = () => (xhr.status < 300 ? resolve() : reject(transferError(xhr.status, xhr.responseText)));
    xhr.onerror = () => reject(new ChatClientError('network', `${method} upload failed`));
    xhr.onabort = () => reject(new ChatClientError('closed', 'upload aborted'));
    options.signal?.addEventListener('abort', () => xhr.abort(), { once: true });
    xhr.send(body);
  });
}

async function sendWithFetch(
  doFetch: typeof fetch,
  method: string,
  url: string,
  headers: Record<string, string>,
  body: Blob,
  total: number,
  fileSize: number,
  options: UploadOptions,
) {
  const reader = body.stream().getReader();
  let taken = 0;
  const overhead = body.size - fileSize;
  const counted = new ReadableStream<Uint8Array>({
    async pull(controller) {
      const { done, value } = await reader.read();
      if (done) return controller.close();
      taken += value.byteLength;
      options.onProgress?.({ loaded: Math.max(0, Math.min(total, taken - overhead)), total });
      controller.enqueue(value);
    },
    cancel: (reason) => reader.cancel(reason),
  });
  let res: Response;
  try {
    res = await doFetch(url, {
      method,
      headers: { ...headers, 'content-length': String(body.size) },
      body: counted,
      signal: options.signal,
      duplex: 'half',
    } as RequestInit);
  } catch (err) {
    throw new ChatClientError('network', `${method} upload failed: ${err instanceof Error ? err.message : String(err)}`);
  }
  const text = await res.text();
  if (!res.ok) throw transferError(res.status, text);
}

function transferError(status: number, text: string): ChatClientError {
  try {
    const error = (JSON.parse(text) as { error?: { code?: string; message?: string } }).error;
    if (error?.code) return new ChatClientError(error.code as never, error.message ?? 'upload failed', status);
  } catch {
    // S3 answers in XML.
  }
  const code = status === 413 ? 'too_large' : status === 403 ? 'forbidden' : status >= 500 ? 'unavailable' : 'invalid';
  return new ChatClientError(code, `upload failed with ${status}: ${text.slice(0, 200)}`, status);
}
