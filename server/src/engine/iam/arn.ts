/**
 * ARNs and IAM wildcards. `*` matches any run of characters (including none), `?` exactly one character.
 * Matching is iterative (no regular expressions built from user text, no backtracking blow-up).
 */

export interface Arn {
  partition: string;
  service: string;
  region: string;
  account: string;
  /** Everything after the fifth colon, colons included: `key/1234…`, `bucket/path/x.csv`, `role/name`. */
  resource: string;
}

/** `arn:partition:service:region:account:resource`, or undefined when the text is not an ARN. */
export function parseArn(s: string): Arn | undefined {
  if (typeof s !== 'string' || !s.startsWith('arn:')) return undefined;
  const parts: string[] = [];
  let start = 4;
  for (let i = 0; i < 4; i++) {
    const c = s.indexOf(':', start);
    if (c < 0) return undefined;
    parts.push(s.slice(start, c));
    start = c + 1;
  }
  const resource = s.slice(start);
  const [partition, service, region, account] = parts;
  if (!partition || !service || !resource) return undefined;
  return { partition, service, region, account, resource };
}

/**
 * IAM wildcard match of a whole string: `*` any run of characters, `?` one character, everything else
 * literal. Case-sensitive unless `ignoreCase`.
 */
export function wildcardMatch(pattern: string, value: string, ignoreCase = false): boolean {
  if (ignoreCase) {
    pattern = pattern.toLowerCase();
    value = value.toLowerCase();
  }
  if (pattern === '*') return true;
  if (!pattern.includes('*') && !pattern.includes('?')) return pattern === value;
  const tokens: GlobTokens = new Array(pattern.length);
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern.charCodeAt(i);
    tokens[i] = c === 42 ? STAR : c === 63 ? ONE : c;
  }
  return matchTokens(tokens, value);
}

/** A compiled glob: character codes, with STAR for `*` and ONE for `?` (literal `*`/`?` stay codes). */
export type GlobTokens = number[];
export const STAR = -1;
export const ONE = -2;

/**
 * Match compiled glob tokens against a whole value, case-sensitively: greedy with one restart point,
 * linear in practice, O(n·m) at worst. The one glob engine for actions, ARNs and String/ArnLike conditions.
 */
export function matchTokens(tokens: GlobTokens, value: string): boolean {
  let p = 0;
  let v = 0;
  let starP = -1;
  let starV = 0;
  while (v < value.length) {
    const t = p < tokens.length ? tokens[p] : -3;
    if (t === STAR) {
      starP = p++;
      starV = v;
    } else if (t === ONE || (t >= 0 && t === value.charCodeAt(v))) {
      p++;
      v++;
    } else if (starP >= 0) {
      p = starP + 1;
      v = ++starV;
    } else {
      return false;
    }
  }
  while (p < tokens.length && tokens[p] === STAR) p++;
  return p === tokens.length;
}

/**
 * Does a policy `Resource` pattern cover this resource ARN? Case-sensitive; `*` and `?` wildcards may appear
 * in any segment, and a `*` may run past colons (AWS: "If the * wildcard is the last character of a resource
 * ARN segment, it can expand to match beyond the colon boundaries"). `"*"` alone covers everything.
 */
export function arnMatches(pattern: string, arn: string): boolean {
  return wildcardMatch(pattern, arn);
}

/**
 * `ArnLike` / `ArnEquals` semantics for condition values: both sides must be ARNs, and each of the six
 * colon-delimited components is matched separately (wildcards allowed in each), case-sensitively.
 */
export function arnLike(pattern: string, arn: string): boolean {
  if (pattern === '*') return parseArn(arn) !== undefined;
  const p = splitArnLoose(pattern);
  const a = parseArn(arn);
  if (!p || !a) return false;
  return (
    wildcardMatch(p.partition, a.partition) &&
    wildcardMatch(p.service, a.service) &&
    wildcardMatch(p.region, a.region) &&
    wildcardMatch(p.account, a.account) &&
    wildcardMatch(p.resource, a.resource)
  );
}

/** Like parseArn but lets wildcard patterns through (empty or `*` components are fine in a pattern). */
function splitArnLoose(s: string): Arn | undefined {
  if (!s.startsWith('arn:')) return undefined;
  const parts = s.split(':');
  if (parts.length < 6) return undefined;
  return { partition: parts[1], service: parts[2], region: parts[3], account: parts[4], resource: parts.slice(5).join(':') };
}

/** `123456789012` for `arn:aws:iam::123456789012:root`, or for a bare 12-digit account id. */
export function accountOf(principalOrArn: string): string | undefined {
  if (/^\d{12}$/.test(principalOrArn)) return principalOrArn;
  return parseArn(principalOrArn)?.account || undefined;
}
