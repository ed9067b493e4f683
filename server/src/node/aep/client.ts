/**
 * The Flow Service API (and the Data Prep mapping sets beside it) over HTTP: every request carries the documented
 * headers — Authorization: Bearer, x-api-key, x-gw-ims-org-id, x-sandbox-name, and Content-Type on bodies — and an
 * answer other than 2xx becomes a FlowServiceError with Adobe's own words. In a dry run nothing is sent: each
 * request is handed to `onDryRun` as the curl command that would send it, the token replaced by a placeholder.
 */
export interface Platform {
  baseUrl: string;
  apiKey: string;
  imsOrg: string;
  sandbox: string;
  /** The resolved access token: sent, never printed. */
  accessToken: string;
}

export interface FlowResponse<T = unknown> {
  status: number;
  etag?: string;
  json: T;
}

export class FlowServiceError extends Error {
  override name = 'FlowServiceError';
  constructor(message: string, readonly status: number, readonly method: string, readonly url: string, readonly body: unknown) {
    super(message);
  }
}

export const REDACTED_TOKEN = '<redacted: ${ACCESS_TOKEN}>';

export interface ClientOptions {
  fetch?: typeof fetch;
  /** Dry run: print instead of send. Only reads (GET) may still be sent when `readsInDryRun`. */
  onDryRun?: (curl: string) => void;
  readsInDryRun?: boolean;
}

/** Mapping sets live in the Data Prep API next to the Flow Service: …/foundation/flowservice → …/foundation/conversion. */
export function conversionUrl(baseUrl: string): string {
  const b = baseUrl.replace(/\/+$/, '');
  return /\/flowservice$/.test(b) ? b.replace(/\/flowservice$/, '/conversion') : `${b}/conversion`;
}

export class FlowServiceClient {
  private readonly doFetch: typeof fetch;
  /** Requests made (or printed), for the report: method and URL only. */
  readonly requests: Array<{ method: string; url: string; status?: number }> = [];

  constructor(readonly platform: Platform, private readonly options: ClientOptions = {}) {
    this.doFetch = options.fetch ?? fetch;
  }

  get dryRun(): boolean {
    return !!this.options.onDryRun;
  }

  url(path: string, api: 'flowservice' | 'conversion' = 'flowservice'): string {
    if (/^https?:\/\//.test(path)) return path;
    const base = api === 'conversion' ? conversionUrl(this.platform.baseUrl) : this.platform.baseUrl.replace(/\/+$/, '');
    return `${base}${path.startsWith('/') ? '' : '/'}${path}`;
  }

  headers(body: boolean, ifMatch?: string, token = this.platform.accessToken): Record<string, string> {
    const h: Record<string, string> = {
      Authorization: `Bearer ${token}`,
      'x-api-key': this.platform.apiKey,
      'x-gw-ims-org-id': this.platform.imsOrg,
      'x-sandbox-name': this.platform.sandbox,
    };
    if (body) h['Content-Type'] = 'application/json';
    if (ifMatch) h['If-Match'] = ifMatch;
    return h;
  }

  /** The curl command of a request, with the token redacted (what --dry-run prints). */
  curl(method: string, url: string, body?: unknown, ifMatch?: string): string {
    const q = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;
    const lines = [`curl -X ${method} ${q(url)}`];
    for (const [k, v] of Object.entries(this.headers(body !== undefined, ifMatch, REDACTED_TOKEN))) lines.push(`  -H ${q(`${k}: ${v}`)}`);
    if (body !== undefined) lines.push(`  -d ${q(JSON.stringify(body, null, 2))}`);
    return lines.join(' \\\n');
  }

  async request<T = unknown>(method: string, url: string, body?: unknown, ifMatch?: string): Promise<FlowResponse<T>> {
    if (this.options.onDryRun && !(method === 'GET' && this.options.readsInDryRun)) {
      this.options.onDryRun(this.curl(method, url, body, ifMatch));
      this.requests.push({ method, url });
      return { status: 0, json: undefined as T };
    }
    const res = await this.doFetch(url, { method, headers: this.headers(body !== undefined, ifMatch), body: body === undefined ? undefined : JSON.stringify(body) });
    this.requests.push({ method, url, status: res.status });
    const text = await res.text();
    let json: unknown;
    try {
      json = text ? JSON.parse(text) : undefined;
    } catch {
      json = text;
    }
    if (!res.ok) throw new FlowServiceError(`${method} ${url.replace(/\?.*$/, '')} answered ${res.status}: ${adobeMessage(json) ?? res.statusText}`, res.status, method, url, json);
    const etag = res.headers.get('etag') ?? (json as { etag?: string } | undefined)?.etag ?? undefined;
    return { status: res.status, etag, json: json as T };
  }
}

/** Adobe's error bodies: `{title, detail}` (Flow Service), `{message}` or `{error_code, message}` (gateway, Data Prep). */
export function adobeMessage(body: unknown): string | undefined {
  if (!body || typeof body !== 'object') return typeof body === 'string' && body ? body.slice(0, 300) : undefined;
  const b = body as Record<string, unknown>;
  const parts = [b.title, b.detail ?? b.message].filter((x) => typeof x === 'string' && x) as string[];
  return parts.length ? parts.join(': ') : undefined;
}
