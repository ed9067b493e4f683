/**
 * The facts about a connector's access key that say how long it will keep working: its status, age and last use
 * in IAM (read with the user's own credentials: iam:GetAccessKeyLastUsed finds the key's user, iam:ListAccessKeys
 * its status and creation date), and — where the shared credentials file holds the same key — whether it is a
 * session's, and until when. Judged by engine/braze/freshness.ts.
 */
import { GetAccessKeyLastUsedCommand, ListAccessKeysCommand } from '@aws-sdk/client-iam';
import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { judgeFreshness, maskKeyId, type Freshness, type KeyFacts } from '../../engine/braze/freshness';
import * as l10n from '../../engine/l10n';
import { createIamClient } from '../aws/clients';
import { redactSecrets } from '../aws/iam-role';

export interface FreshnessOptions {
  endpoint?: string;
  profile?: string;
  /** The shared credentials file (default: AWS_SHARED_CREDENTIALS_FILE, else ~/.aws/credentials). */
  credentialsFile?: string;
  maxKeyAgeDays?: number;
  now?: number;
}

/** The profile of the shared credentials file that holds `keyId`, with its session token and expiry if any. */
export function findInCredentialsFile(keyId: string, file: string): { profile: string; temporary: boolean; expires?: string } | undefined {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
  let profile = '';
  const sections = new Map<string, Map<string, string>>();
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.replace(/[#;].*$/, '').trim();
    const head = /^\[(.+)\]$/.exec(line);
    if (head) {
      profile = head[1].trim();
      sections.set(profile, sections.get(profile) ?? new Map());
    } else if (profile && line.includes('=')) {
      const at = line.indexOf('=');
      sections.get(profile)!.set(line.slice(0, at).trim().toLowerCase(), line.slice(at + 1).trim());
    }
  }
  for (const [name, values] of sections) {
    if (values.get('aws_access_key_id') !== keyId) continue;
    const expires = values.get('x_security_token_expires') ?? values.get('expiration') ?? values.get('aws_expiration');
    return { profile: name, temporary: values.has('aws_session_token') || keyId.startsWith('ASIA'), expires: expires && !Number.isNaN(Date.parse(expires)) ? new Date(Date.parse(expires)).toISOString() : undefined };
  }
  return undefined;
}

export async function keyFreshness(keyId: string, o: FreshnessOptions = {}): Promise<Freshness> {
  const facts: KeyFacts = { keyId: maskKeyId(keyId), temporary: keyId.startsWith('ASIA') || undefined };
  const file = o.credentialsFile ?? (process.env.AWS_SHARED_CREDENTIALS_FILE || join(homedir(), '.aws', 'credentials'));
  const local = findInCredentialsFile(keyId, file);
  if (local) {
    facts.profile = local.profile;
    if (local.temporary) facts.temporary = true;
    if (local.expires) facts.expires = local.expires;
  }
  const iam = createIamClient({ profile: o.profile, endpoint: o.endpoint, maxAttempts: 2 });
  try {
    const used = await iam.send(new GetAccessKeyLastUsedCommand({ AccessKeyId: keyId }));
    facts.user = used.UserName;
    if (used.AccessKeyLastUsed?.LastUsedDate) facts.lastUsed = used.AccessKeyLastUsed.LastUsedDate.toISOString();
    if (used.UserName) {
      const keys = await iam.send(new ListAccessKeysCommand({ UserName: used.UserName }));
      const mine = keys.AccessKeyMetadata?.find((k) => k.AccessKeyId === keyId);
      facts.status = mine?.Status;
      if (mine?.CreateDate) facts.created = mine.CreateDate.toISOString();
    }
  } catch (e) {
    facts.unread = l10n.t('its status and age in IAM were not read ({0}): your own credentials need iam:GetAccessKeyLastUsed and iam:ListAccessKeys', redactSecrets((e as Error).name || String(e)));
  } finally {
    iam.destroy();
  }
  return judgeFreshness(facts, o.now ?? Date.now(), o.maxKeyAgeDays);
}
