/**
 * The PGP key a Stripe Data Pipeline customer gives Stripe: making one the way Stripe's guide prescribes, and judging
 * one someone else made.
 *
 * Stripe's guide (Data Pipeline → Amazon S3, "Générer des clés de chiffrement") has the customer run
 * `gpg --full-generate-key` with: RSA and RSA, 4096 bits, no expiry, real name = the Stripe account id (acct_… or
 * org_…), empty email and comment, no passphrase; then upload `gpg --armor --export` saved as `acct_….key`.
 * `generateStripeKeyPair` makes exactly that key (an RSA-4096 primary that certifies and signs, an RSA-4096 subkey that
 * encrypts, a v4 key gpg 2.2 reads); `inspectPublicKey` checks a key file against the same list.
 */
import { config, enums, generateKey, readKeys, type Key, type PrivateKey, type Subkey } from 'openpgp';
import * as l10n from '../../engine/l10n';

/** A Stripe account (acct_…) or organisation (org_…) id: what the key's real name must be. */
export const STRIPE_KEY_OWNER = /^(acct|org)_[A-Za-z0-9]+$/;

/** The RSA modulus size Stripe's guide asks for. */
export const STRIPE_RSA_BITS = 4096;

export interface StripeKeyPair {
  /** Armored public key block: the content of `<account>.key`, what Stripe gets. */
  publicArmored: string;
  /** Armored private key block, not protected by a passphrase (as the guide asks): whoever holds it reads every delivery. */
  privateArmored: string;
  /** The primary key's fingerprint, 40 uppercase hex digits (as gpg prints it). */
  fingerprint: string;
}

/**
 * A new key pair for `accountId` as Stripe's guide prescribes. Takes seconds: RSA-4096 generation (two keys, run by
 * Node's OpenSSL through WebCrypto) searches for large primes, and how long that takes varies from run to run.
 */
export async function generateStripeKeyPair(accountId: string): Promise<StripeKeyPair> {
  if (!STRIPE_KEY_OWNER.test(accountId)) {
    throw new Error(`"${accountId}" is not a Stripe account id: the key's name must be your account id (acct_…) or organisation id (org_…), as shown in the Stripe Dashboard.`);
  }
  const { privateKey } = await generateKey({
    type: 'rsa',
    rsaBits: STRIPE_RSA_BITS,
    // Name only: openpgp writes the user id as the bare name when there is no email and no comment, which is what
    // gpg writes when the guide's email and comment prompts are left empty.
    userIDs: [{ name: accountId }],
    keyExpirationTime: 0,
    format: 'object',
  });
  await dropSha3Preferences(privateKey);
  const publicKey = privateKey.toPublic();
  return { publicArmored: publicKey.armor(), privateArmored: privateKey.armor(), fingerprint: publicKey.getFingerprint().toUpperCase() };
}

/**
 * openpgp lists SHA3-512 and SHA3-256 among a new key's preferred hashes; gpg 2.2 (Debian 12's) knows neither, and on
 * every import of the key prints "WARNING: key … contains preferences for unavailable algorithms … it is strongly
 * suggested that you update your preferences and re-distribute this key" — alarming, and wrong advice for a
 * customer. The guide's key is made by gpg, which never lists them: drop them and re-sign the user id certification
 * with the key itself (SHA-512 and SHA-256 stay, as gpg's own keys have).
 */
async function dropSha3Preferences(privateKey: PrivateKey): Promise<void> {
  const sha3 = new Set<number>([enums.hash.sha3_256, enums.hash.sha3_512]);
  for (const user of privateKey.users) {
    if (!user.userID) continue;
    for (const sig of user.selfCertifications) {
      if (!sig.preferredHashAlgorithms?.some((h) => sha3.has(h))) continue;
      sig.preferredHashAlgorithms = sig.preferredHashAlgorithms.filter((h) => !sha3.has(h));
      // openpgp adds a random "salt" notation to each signature it makes, and refuses to re-sign one that has it.
      sig.rawNotations = sig.rawNotations.filter((n) => n.name !== 'salt@notations.openpgpjs.org');
      // sign() needs the full config (its typings omit that parameter).
      const sign = sig.sign.bind(sig) as (key: unknown, data: unknown, date: Date | undefined, detached: boolean, cfg: typeof config) => Promise<void>;
      await sign(privateKey.keyPacket, { userID: user.userID, key: privateKey.keyPacket }, sig.created ?? undefined, false, config);
    }
  }
}

export interface PgpFinding {
  severity: 'error' | 'warning';
  /** Stable id of the problem (for diagnostics and suppressions): pgp-parse, pgp-private-key, pgp-key-size… */
  code: string;
  message: string;
}

export interface PgpKeyFacts {
  /** "RSA", or the algorithm and curve of another kind of key ("EdDSA (ed25519Legacy)"). */
  algorithm: string;
  /** Size of the primary key's modulus; undefined for elliptic-curve keys. */
  bits: number | undefined;
  /** Size of the key Stripe encrypts to (the encryption subkey, else the primary); undefined when there is none or it is a curve. */
  encryptionBits: number | undefined;
  userIds: string[];
  /** When the key stops being usable; null: it never expires. */
  expires: Date | null;
  created: Date;
  /** 40 uppercase hex digits. */
  fingerprint: string;
  /** Whether the key has a valid encryption-capable key now. */
  canEncrypt: boolean;
  /** The text held a private key (see the pgp-private-key finding). */
  isPrivate: boolean;
}

export interface PgpKeyReport {
  findings: PgpFinding[];
  /** Undefined when the text is not a readable key. */
  facts: PgpKeyFacts | undefined;
}

export interface InspectOptions {
  /** The Stripe account the key is for: its user id's name must be exactly this. */
  accountId?: string;
  /** The time to judge expiry at (default: now). */
  now?: Date;
}

const PRIVATE_BLOCK = /-----BEGIN PGP PRIVATE KEY BLOCK-----/;
const ANY_BLOCK = /-----BEGIN PGP ([A-Z ,/0-9]+)-----/;

/**
 * Judges an armored public key against what Stripe's guide asks. Text in, findings out: no file or network access,
 * and fast (a parse and a few signature checks) — but async, because openpgp's readKeys is. Messages never quote key
 * material.
 */
export async function inspectPublicKey(armoredText: string, options: InspectOptions = {}): Promise<PgpKeyReport> {
  const now = options.now ?? new Date();
  const findings: PgpFinding[] = [];
  const error = (code: string, message: string) => findings.push({ severity: 'error', code, message });
  const warning = (code: string, message: string) => findings.push({ severity: 'warning', code, message });

  const isPrivate = PRIVATE_BLOCK.test(armoredText);
  if (isPrivate) {
    error(
      'pgp-private-key',
      l10n.t('This is a PRIVATE key block: Stripe needs only the public key (gpg --output acct_….key --armor --export <key id>). Whoever has this file can decrypt every delivery: if it was ever committed, uploaded or shared, rotate it — make a new key pair, give Stripe the new public key, and delete this one.'),
    );
  }
  const block = ANY_BLOCK.exec(armoredText);
  if (!block) {
    error('pgp-parse', l10n.t('This is not an armored OpenPGP key: export the public key with --armor (gpg --output acct_….key --armor --export <key id>); Stripe expects the text form that starts with "-----BEGIN PGP PUBLIC KEY BLOCK-----".'));
    return { findings, facts: undefined };
  }
  if (block[1] !== 'PUBLIC KEY BLOCK' && block[1] !== 'PRIVATE KEY BLOCK') {
    error('pgp-parse', l10n.t('This file holds a PGP {0}, not a public key: export the key with gpg --output acct_….key --armor --export <key id>.', block[1].toLowerCase()));
    return { findings, facts: undefined };
  }
  let keys: Key[];
  try {
    keys = await readKeys({ armoredKeys: armoredText });
  } catch (e) {
    error('pgp-parse', l10n.t('This key cannot be read ({0}): export it again with gpg --output acct_….key --armor --export <key id>, and do not edit the file.', reasonOf(e)));
    return { findings, facts: undefined };
  }
  if (keys.length !== 1) {
    error('pgp-key-count', l10n.t('This file holds {0} keys; Stripe expects exactly one: export only your key (gpg --output acct_….key --armor --export <key id>).', keys.length));
  }
  // Only the public half is judged: the findings and facts of a private key block describe the key Stripe would get.
  const key = keys[0].toPublic();

  const info = key.keyPacket.getAlgorithmInfo();
  // Ignoring time (date null): which key Stripe would encrypt to, even if it has expired, so its size is still reported.
  const encryptionKey = await key.getEncryptionKey(undefined, null as unknown as Date).catch(() => undefined);
  const encInfo = encryptionKey?.keyPacket.getAlgorithmInfo();
  const expiryOf = (d: Date | number | null) => (d instanceof Date ? d : null);
  const expires = expiryOf(await key.getExpirationTime());
  const subkeyExpires = encryptionKey && encryptionKey !== key ? expiryOf(await (encryptionKey as Subkey).getExpirationTime(null as unknown as Date)) : null;
  let canEncrypt = true;
  let encryptProblem = '';
  try {
    await key.getEncryptionKey(undefined, now);
  } catch (e) {
    canEncrypt = false;
    encryptProblem = reasonOf(e);
  }
  const facts: PgpKeyFacts = {
    algorithm: algorithmLabel(info.algorithm, info.curve),
    bits: info.bits,
    encryptionBits: encInfo?.bits,
    userIds: key.getUserIDs(),
    expires,
    created: key.getCreationTime(),
    fingerprint: key.getFingerprint().toUpperCase(),
    canEncrypt,
    isPrivate,
  };

  const generate = `pipewright pgp generate ${options.accountId ?? '<account id>'}`;
  // Kind and size: the guide's "RSA and RSA, 4096 bits", for the primary key and for the key Stripe encrypts to.
  if (!isRsa(info.algorithm)) {
    error('pgp-key-type', l10n.t('This key is {0}; Stripe\'s guide asks for an RSA and RSA key of {1} bits (gpg --full-generate-key, type 1). Make a new key that way ({2}).', facts.algorithm, STRIPE_RSA_BITS, generate));
  } else {
    const small = [
      info.bits !== undefined && info.bits < STRIPE_RSA_BITS ? l10n.t('its primary key has {0} bits', info.bits) : '',
      encInfo?.bits !== undefined && encryptionKey !== key && encInfo.bits < STRIPE_RSA_BITS ? l10n.t('its encryption subkey has {0} bits', encInfo.bits) : '',
    ].filter(Boolean);
    if (encryptionKey && encryptionKey !== key && encInfo && !isRsa(encInfo.algorithm)) small.push(l10n.t('its encryption subkey is {0}', algorithmLabel(encInfo.algorithm, encInfo.curve)));
    if (small.length) {
      error('pgp-key-size', l10n.t('This key falls short of Stripe\'s guide (RSA and RSA, {0} bits): {1}. Make a new {0}-bit key ({2}).', STRIPE_RSA_BITS, small.reduce((a, b) => l10n.t('{0} and {1}', a, b)), generate));
    }
  }

  // Validity now: revoked, expired, or an expiry set at all (the guide says "0: does not expire").
  const revoked = await key.isRevoked(undefined, undefined, now).catch(() => false);
  if (revoked) error('pgp-revoked', l10n.t('This key has been revoked: Stripe cannot encrypt to it. Make a new key pair and give Stripe the new public key.'));
  let expired = false;
  // The subkey's own expiry only matters when it comes first: after the primary key's, the primary's is what bites.
  const subkeyFirst = subkeyExpires && (!expires || subkeyExpires.getTime() < expires.getTime()) ? subkeyExpires : null;
  for (const [primary, when] of [[true, expires], [false, subkeyFirst]] as const) {
    if (!when) continue;
    // gpg's command to remove the expiry: of the primary key, or (with "*") of its subkeys.
    const unexpire = `gpg --quick-set-expire ${facts.fingerprint} 0${primary ? '' : ' "*"'}`;
    if (when.getTime() <= now.getTime()) {
      expired = true;
      error('pgp-expired', primary
        ? l10n.t('This key expired on {0}: Stripe cannot encrypt to an expired key. Remove the expiry ({1}) and export the key again, or make a new key that does not expire.', isoDate(when), unexpire)
        : l10n.t('Its encryption subkey expired on {0}: Stripe cannot encrypt to an expired key. Remove the expiry ({1}) and export the key again, or make a new key that does not expire.', isoDate(when), unexpire));
    } else {
      warning('pgp-expiry', primary
        ? l10n.t('This key expires on {0}; deliveries stop then. Stripe\'s guide asks for a key that does not expire: {1}, then export it again.', isoDate(when), unexpire)
        : l10n.t('Its encryption subkey expires on {0}; deliveries stop then. Stripe\'s guide asks for a key that does not expire: {1}, then export it again.', isoDate(when), unexpire));
    }
  }
  if (!revoked && !expired) {
    let selfSignatureProblem = '';
    await key.verifyPrimaryKey(now).catch((e: unknown) => (selfSignatureProblem = reasonOf(e)));
    if (selfSignatureProblem) {
      error('pgp-invalid', l10n.t('This key\'s self-signature does not check out ({0}): the file was damaged or edited. Export it again (gpg --output acct_….key --armor --export <key id>); if that does not help, make a new key ({1}).', selfSignatureProblem, generate));
    } else if (!canEncrypt) {
      error('pgp-no-encryption', l10n.t('This key cannot encrypt ({0}): Stripe needs a key with an encryption subkey, as "RSA and RSA" makes. Make a new key ({1}).', encryptProblem, generate));
    }
  }

  // The user id: Stripe's guide makes the real name the account id, with no email and no comment.
  const ids = key.getUserIDs().map(splitUserId);
  if (options.accountId) {
    const match = ids.find((u) => u.name === options.accountId);
    if (!match) {
      const have = ids.length ? ids.map((u) => `"${u.userId}"`).join(', ') : l10n.t('none');
      error('pgp-user-id', l10n.t('This key\'s user id is {0}, but the account is "{1}": Stripe\'s guide makes the key\'s real name the account id ({1}), with no email or comment. Make a key for {1} (pipewright pgp generate {1}).', have, options.accountId));
    } else if (match.email || match.comment) {
      warning('pgp-user-id-extra', match.email
        ? l10n.t('This key\'s user id "{0}" has an email; Stripe\'s guide leaves the email and comment empty, so that the user id is just "{1}".', match.userId, options.accountId)
        : l10n.t('This key\'s user id "{0}" has a comment; Stripe\'s guide leaves the email and comment empty, so that the user id is just "{1}".', match.userId, options.accountId));
    }
  } else if (!ids.some((u) => STRIPE_KEY_OWNER.test(u.name))) {
    warning('pgp-user-id', l10n.t('No user id of this key is a Stripe account id ({0}): Stripe\'s guide makes the key\'s real name your account id (acct_…), with no email or comment.', ids.map((u) => `"${u.userId}"`).join(', ') || l10n.t('it has none')));
  }
  return { findings, facts };
}

/**
 * gpg's "Real Name (Comment) <email>", each part optional. openpgp's own parse only splits a user id that has an email
 * (a bare "acct_…" comes back with an empty name), so it cannot be used for the name check.
 */
export function splitUserId(userId: string): { userId: string; name: string; comment: string; email: string } {
  let rest = userId.trim();
  let email = '';
  let comment = '';
  const e = /<([^<>]*)>\s*$/.exec(rest);
  if (e) {
    email = e[1].trim();
    rest = rest.slice(0, e.index).trim();
  }
  const c = /\(([^()]*)\)\s*$/.exec(rest);
  if (c) {
    comment = c[1].trim();
    rest = rest.slice(0, c.index).trim();
  }
  return { userId, name: rest, comment, email };
}

function isRsa(algorithm: string): boolean {
  return algorithm === 'rsaEncryptSign' || algorithm === 'rsaEncrypt' || algorithm === 'rsaSign';
}

function algorithmLabel(algorithm: string, curve?: string): string {
  if (isRsa(algorithm)) return 'RSA';
  const names: Record<string, string> = { eddsaLegacy: 'EdDSA', ecdh: 'ECDH', ecdsa: 'ECDSA', ed25519: 'Ed25519', ed448: 'Ed448', x25519: 'X25519', x448: 'X448', dsa: 'DSA', elgamal: 'ElGamal' };
  const name = names[algorithm] ?? algorithm;
  return curve ? `${name} (${curve})` : name;
}

function isoDate(d: Date): string {
  return d.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** openpgp's own words for a failure, without its "Error …:" prefixes repeated. */
export function reasonOf(e: unknown): string {
  const m = e instanceof Error ? e.message : String(e);
  return m.replace(/\s+/g, ' ').trim().replace(/\.$/, '');
}
