/**
 * Will the connector's access key keep working? Braze stops delivering when its credentials fail and drops
 * Currents events for good after 48 hours, so a key that is deactivated, temporary, expiring or past the usual
 * rotation age is worth saying before it happens. The facts are read on the node side (IAM, the shared
 * credentials file); this judges them.
 */
import * as l10n from '../l10n';

export interface KeyFacts {
  /** The key id with all but its last 4 characters masked. */
  keyId: string;
  /** From IAM (ListAccessKeys): Active or Inactive. */
  status?: string;
  /** ISO 8601, from IAM. */
  created?: string;
  /** ISO 8601, from IAM (GetAccessKeyLastUsed). */
  lastUsed?: string;
  /** The IAM user the key belongs to. */
  user?: string;
  /** Where else the key was found: the shared credentials file's profile. */
  profile?: string;
  /** The key is a session's (ASIA…, or a profile with aws_session_token). */
  temporary?: boolean;
  /** ISO 8601: when a temporary key expires, where the credentials file says. */
  expires?: string;
  /** Why IAM could not be asked (the user's own credentials lack iam:GetAccessKeyLastUsed / iam:ListAccessKeys). */
  unread?: string;
}

export interface Freshness {
  facts: KeyFacts;
  /** Braze's calls fail (or will within the 48 hours it keeps events). */
  problems: string[];
  /** Worth acting on before it fails. */
  warnings: string[];
}

const DAY = 86_400_000;

export function maskKeyId(id: string): string {
  return id.length > 8 ? `${id.slice(0, 4)}…${id.slice(-4)}` : '…';
}

export function judgeFreshness(facts: KeyFacts, now: number, maxAgeDays = 90): Freshness {
  const problems: string[] = [];
  const warnings: string[] = [];
  if (facts.status === 'Inactive') problems.push(l10n.t('Access key {0} is Inactive in IAM: every call Braze makes with it fails, and Currents drops events after 48 hours of failures. Activate it, or create a new key and enter it in Braze.', facts.keyId));
  if (facts.temporary) {
    const left = facts.expires ? Date.parse(facts.expires) - now : undefined;
    if (left !== undefined && left <= 0) problems.push(l10n.t('Access key {0} belongs to temporary credentials that expired at {1}: Braze cannot use them. Give Braze a long-lived IAM user key.', facts.keyId, facts.expires!));
    else problems.push(l10n.t('Access key {0} belongs to temporary credentials{1}: when they expire Braze stops delivering, and Currents drops events after 48 hours. Give Braze a long-lived IAM user key.', facts.keyId, facts.expires ? l10n.t(' (they expire at {0})', facts.expires) : ''));
  }
  if (facts.created && facts.status !== 'Inactive' && !facts.temporary) {
    const age = Math.floor((now - Date.parse(facts.created)) / DAY);
    if (age >= maxAgeDays) warnings.push(l10n.t('Access key {0} is {1} days old: a rotation policy of {2} days would deactivate it any time now. Create the new key, enter it in Braze, then deactivate this one.', facts.keyId, age, maxAgeDays));
    else if (age >= maxAgeDays - 14) warnings.push(l10n.t('Access key {0} is {1} days old: a rotation policy of {2} days deactivates it in {3} days. Plan the switch in Braze before then.', facts.keyId, age, maxAgeDays, maxAgeDays - age));
  }
  return { facts, problems, warnings };
}
