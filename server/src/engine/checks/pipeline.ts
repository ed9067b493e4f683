/** Checks on pipeline configs beyond their schema: the fixed values and formats each integration's guide states. */
import { basename } from 'node:path';
import { finding, type Finding } from '../diagnostics';
import { didYouMean, objectProp, propAt, stringOf } from '../json';
import type { ParsedDocument } from '../parse';
import { replaceFix } from '../schema';
import { STRIPE_EXPORT_CADENCE, STRIPE_EXPORT_ROLE_NAME } from '../../data/stripe';
import { checkAwsAccountId, checkBucket, checkFolder, checkRegion, checkStripeAccountId } from './common';
import * as l10n from '../l10n';

export function checkPipeline(doc: ParsedDocument, out: Finding[]): void {
  const root = doc.root;
  if (!root || root.type !== 'object') return;
  checkBucket(objectProp(root, 'bucket'), out);
  checkRegion(objectProp(root, 'region'), out);
  checkAwsAccountId(objectProp(root, 'awsAccountId'), out);
  switch (doc.subKind) {
    case 'stripe-export': {
      checkStripeAccountId(objectProp(root, 'account'), out);
      checkFolder(objectProp(root, 'prefix'), out, true);
      const role = objectProp(root, 'roleName');
      const roleName = stringOf(role);
      if (role && roleName !== undefined && roleName !== STRIPE_EXPORT_ROLE_NAME) {
        const near = didYouMean(roleName, [STRIPE_EXPORT_ROLE_NAME]) ?? (roleName.includes('stripe') ? STRIPE_EXPORT_ROLE_NAME : undefined);
        out.push(
          finding(
            'fixed-value',
            near
              ? l10n.t('Stripe Data Pipeline assumes a role named exactly "{0}" (did you mean it?): a role with any other name is never used and the delivery fails.', STRIPE_EXPORT_ROLE_NAME)
              : l10n.t('Stripe Data Pipeline assumes a role named exactly "{0}": a role with any other name is never used and the delivery fails.', STRIPE_EXPORT_ROLE_NAME),
            role.offset,
            role.offset + role.length,
            [replaceFix(role, STRIPE_EXPORT_ROLE_NAME)],
          ),
        );
      }
      const every = propAt(root, ['schedule', 'every']);
      const cadence = stringOf(every);
      if (every && cadence && cadence !== STRIPE_EXPORT_CADENCE && /^[1-9][0-9]*(m|h|d)$/.test(cadence)) {
        out.push(finding('stripe-schedule', l10n.t('Stripe Data Pipeline refreshes every table every 3 hours; "{0}" will not change that. Use "{1}" so runs line up with deliveries.', cadence, STRIPE_EXPORT_CADENCE), every.offset, every.offset + every.length, [replaceFix(every, STRIPE_EXPORT_CADENCE)]));
      }
      const key = propAt(root, ['encryption', 'publicKey']);
      const account = stringOf(objectProp(root, 'account'));
      const keyPath = stringOf(key);
      if (key && keyPath && account && /^(acct|org)_/.test(account) && basename(keyPath) !== `${account}.key`) {
        out.push(finding('pgp-key-name', l10n.t('Stripe expects the armored public key exported as "{0}.key" (gpg --output {0}.key --armor --export <key id>); this file is named "{1}".', account, basename(keyPath)), key.offset, key.offset + key.length));
      }
      if (stringOf(propAt(root, ['encryption', 'type'])) === 'pgp' && !key) {
        const enc = objectProp(root, 'encryption')!;
        out.push(finding('schema-required', l10n.t('PGP encryption needs "publicKey": the path of your armored public key file (acct_….key).'), enc.offset, enc.offset + 1));
      }
      break;
    }
    case 'stripe-import':
      checkFolder(objectProp(root, 'folder'), out, true);
      break;
    case 'braze-currents':
    case 'braze-export': {
      checkFolder(objectProp(root, 'folderPath'), out, false);
      const auth = objectProp(root, 'auth');
      if (stringOf(objectProp(auth, 'method')) === 'role-arn') {
        checkAwsAccountId(objectProp(auth, 'brazeAccountId'), out, true);
        const arn = objectProp(auth, 'roleArn');
        const v = stringOf(arn);
        if (arn && v && !/^arn:aws(-cn|-us-gov)?:iam::\d{12}:role\/[\w+=,.@/-]{1,512}$/.test(v)) {
          out.push(finding('schema-pattern', l10n.t('"{0}" is not an IAM role ARN: copy it from the top of the role\'s summary page (arn:aws:iam::<12-digit account>:role/<name>).', v), arn.offset, arn.offset + arn.length));
        }
      }
      break;
    }
  }
}
