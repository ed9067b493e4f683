/** IAM checks as a reviewer reads a policy: each check with a failing and a passing case. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { applyFix, codes, lint, lintOne } from '../helpers/engine';

const policy = (statements: unknown[], version: string | null = '2012-10-17') => JSON.stringify({ ...(version ? { Version: version } : {}), Statement: statements }, null, 2);
const allow = (Action: unknown, Resource: unknown, extra: Record<string, unknown> = {}) => ({ Effect: 'Allow', Action, Resource, ...extra });

const braze = (kind = 'braze-currents', auth: Record<string, unknown> = { method: 'role-arn', roleArn: 'arn:aws:iam::123456789012:role/braze', brazeAccountId: '563918207415', externalId: 'ext-123' }) =>
  JSON.stringify({ kind, name: 'b', bucket: 'acme-braze', ...(kind === 'braze-currents' ? { folderPath: 'currents' } : {}), auth, permissionPolicy: 'p.policy.json', trustPolicy: 't.trust.json' }, null, 2);
const SEED_CURRENTS = policy([allow(['s3:ListBucket', 's3:GetBucketLocation'], ['arn:aws:s3:::acme-braze']), allow(['s3:PutObject', 's3:GetObject'], ['arn:aws:s3:::acme-braze/*'])]);
const TRUST = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::563918207415:root' }, Action: 'sts:AssumeRole', Condition: { StringEquals: { 'sts:ExternalId': 'ext-123' } } }] }, null, 2);
const ws = (p: string, extra: Record<string, string> = {}) => ({ 'b.pipeline.json': braze(), 'p.policy.json': p, 't.trust.json': TRUST, ...extra });

test('the Braze Currents seed policy, with the bucket filled in, serves a Currents pipeline exactly', () => {
  assert.deepEqual(codes(lint(ws(SEED_CURRENTS), 'p.policy.json')), []);
  assert.deepEqual(codes(lint(ws(SEED_CURRENTS), 't.trust.json')), []);
});

test('a missing permission names the action, the ARN, why and what breaks, and the fix inserts the statement', () => {
  const text = policy([allow(['s3:ListBucket', 's3:GetBucketLocation'], ['arn:aws:s3:::acme-braze']), allow(['s3:PutObject'], ['arn:aws:s3:::acme-braze/*'])]);
  const r = lint(ws(text), 'p.policy.json');
  assert.deepEqual(codes(r), ['iam-missing-permission']);
  assert.match(r[0].message, /Braze Currents \(b\.pipeline\.json\) will be refused s3:GetObject on arn:aws:s3:::acme-braze\/currents\/.*Braze’s backend cannot handle errors/);
  const fixed = applyFix(text, r[0].finding);
  assert.deepEqual(codes(lint(ws(fixed), 'p.policy.json')), []);
});

test('an explicit Deny is named as the reason', () => {
  const text = policy([...JSON.parse(SEED_CURRENTS).Statement, { Sid: 'NoWrites', Effect: 'Deny', Action: 's3:PutObject', Resource: 'arn:aws:s3:::acme-braze/currents/*' }]);
  const r = lint(ws(text), 'p.policy.json');
  assert.deepEqual(codes(r), ['iam-missing-permission']);
  assert.match(r[0].message, /NoWrites/);
});

test('least privilege: actions and buckets the integration never uses', () => {
  const text = policy([allow(['s3:ListBucket', 's3:GetBucketLocation'], ['arn:aws:s3:::acme-braze', 'arn:aws:s3:::other-bucket']), allow(['s3:PutObject', 's3:GetObject', 's3:DeleteObject'], ['arn:aws:s3:::acme-braze/*'])]);
  const r = lint(ws(text), 'p.policy.json');
  assert.deepEqual(codes(r).sort(), ['iam-unneeded-grant', 'iam-unneeded-grant']);
  assert.ok(r.some((x) => /never uses s3:DeleteObject/.test(x.message)));
  assert.ok(r.some((x) => /other-bucket is another bucket/.test(x.message)));
  const star = lint(ws(policy([allow('s3:*', ['arn:aws:s3:::acme-braze', 'arn:aws:s3:::acme-braze/*'])])), 'p.policy.json');
  assert.ok(star.some((x) => x.code === 'iam-unneeded-grant' && /"s3:\*" grants \d+ actions/.test(x.message)));
});

test('the Braze dashboard export seed’s bucket* wildcard is a security warning with the narrow fix', () => {
  const seed = policy([allow(['s3:ListBucket', 's3:GetBucketLocation'], ['arn:aws:s3:::acme-braze']), allow(['s3:GetObject', 's3:PutObject', 's3:DeleteObject'], ['arn:aws:s3:::acme-braze*', 'arn:aws:s3:::acme-braze'])]);
  const files = { ...ws(seed), 'b.pipeline.json': braze('braze-export', { method: 'access-key', accessKeyId: '${env:K}', secretAccessKey: '${secret:s}' }) };
  const r = lint(files, 'p.policy.json');
  const w = r.find((x) => x.code === 'iam-wildcard-bucket')!;
  assert.equal(w.severity, 'warning');
  assert.match(w.message, /acme-braze-backup/);
  const fixed = applyFix(seed, w.finding);
  assert.ok(!codes(lint({ ...files, 'p.policy.json': fixed }, 'p.policy.json')).includes('iam-wildcard-bucket'));
});

test('unknown actions say "did you mean"; wildcards that match nothing are errors', () => {
  const r = lintOne('x.policy.json', policy([allow(['s3:PutObjects', 's3:Frobnicate*'], 'arn:aws:s3:::acme/*')]));
  assert.deepEqual(codes(r), ['iam-unknown-action', 'iam-unknown-action']);
  assert.match(r[0].message, /Did you mean "s3:PutObject"\?/);
  assert.deepEqual(codes(lintOne('x.policy.json', policy([allow(['s3:Get*', 'ec2:DescribeInstances'], '*')]))), []);
});

test('ARNs: S3 ARNs carry no region or account; malformed ones are named', () => {
  const r = lintOne('x.policy.json', policy([allow('s3:GetObject', ['arn:aws:s3:eu-west-1:123456789012:acme/*', 'acme/*'])]));
  assert.deepEqual(codes(r), ['iam-arn', 'iam-arn']);
  assert.equal(r[0].finding.fixes?.[0].title, 'Change to "arn:aws:s3:::acme/*"');
});

test('an object action on the bucket ARN only grants nothing; a bucket action on objects only grants nothing', () => {
  const r = lintOne('x.policy.json', policy([allow(['s3:PutObject'], 'arn:aws:s3:::acme'), allow(['s3:ListBucket'], 'arn:aws:s3:::acme/*')]));
  assert.deepEqual(codes(r), ['iam-resource-mismatch', 'iam-resource-mismatch']);
  assert.match(r[0].message, /object ARNs/);
  assert.deepEqual(codes(lintOne('x.policy.json', policy([allow(['s3:PutObject', 's3:ListBucket'], ['arn:aws:s3:::acme', 'arn:aws:s3:::acme/*'])]))), []);
});

test('Version: missing, old, or invented', () => {
  assert.deepEqual(codes(lintOne('x.policy.json', policy([allow('s3:GetObject', 'arn:aws:s3:::a1b/*')], null))), ['iam-version']);
  const old = lintOne('x.policy.json', policy([allow('s3:GetObject', 'arn:aws:s3:::a1b/*')], '2008-10-17'));
  assert.deepEqual([old[0].code, old[0].severity], ['iam-version', 'warning']);
  assert.ok(codes(lintOne('x.policy.json', policy([allow('s3:GetObject', 'arn:aws:s3:::a1b/*')], '2021-01-01'))).length > 0);
});

test('duplicate Sids, unknown operators, keys the actions never carry', () => {
  const r = lintOne('x.policy.json', policy([
    allow('s3:GetObject', 'arn:aws:s3:::a1b/*', { Sid: 'A', Condition: { StringEqual: { 's3:prefix': 'x' } } }),
    allow('s3:GetObject', 'arn:aws:s3:::a1b/*', { Sid: 'A', Condition: { StringLike: { 's3:prefix': 'x/*' } } }),
  ]));
  assert.deepEqual(codes(r), ['iam-condition-operator', 'iam-duplicate-sid', 'iam-condition-key']);
  assert.match(r[0].message, /Did you mean "StringEquals"\?/);
  assert.deepEqual(codes(lintOne('x.policy.json', policy([allow('s3:ListBucket', 'arn:aws:s3:::a1b', { Condition: { StringLike: { 's3:prefix': 'x/*' } } })]))), []);
});

test('broad grants: Allow with NotAction, Action "*", Resource "*" with writes', () => {
  assert.deepEqual(codes(lintOne('x.policy.json', policy([{ Effect: 'Allow', NotAction: 'iam:*', Resource: 'arn:aws:s3:::a1b' }]))), ['iam-allow-not']);
  assert.ok(codes(lintOne('x.policy.json', policy([allow('*', 'arn:aws:s3:::a1b')]))).includes('iam-broad-write'));
  assert.deepEqual(codes(lintOne('x.policy.json', policy([allow('s3:PutObject', '*')]))), ['iam-broad-write']);
  assert.deepEqual(codes(lintOne('x.policy.json', policy([allow('s3:GetObject', '*')]))), []);
});

test('trust policies: public principal, confused deputy, and the pipeline’s account and external id', () => {
  const trust = (st: Record<string, unknown>) => JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'sts:AssumeRole', ...st }] }, null, 2);
  assert.deepEqual(codes(lint(ws(SEED_CURRENTS, { 't.trust.json': trust({ Principal: '*' }) }), 't.trust.json')), ['iam-public-trust']);
  const deputy = trust({ Principal: { AWS: 'arn:aws:iam::563918207415:root' } });
  const r = lint(ws(SEED_CURRENTS, { 't.trust.json': deputy }), 't.trust.json');
  assert.deepEqual(codes(r), ['iam-confused-deputy']);
  assert.equal(r[0].finding.fixes?.[0].title, 'Require sts:ExternalId "ext-123"');
  assert.deepEqual(codes(lint(ws(SEED_CURRENTS, { 't.trust.json': applyFix(deputy, r[0].finding) }), 't.trust.json')), []);
  const wrong = lint(ws(SEED_CURRENTS, { 't.trust.json': trust({ Principal: { AWS: 'arn:aws:iam::111122223333:root' }, Condition: { StringEquals: { 'sts:ExternalId': 'other' } } }) }), 't.trust.json');
  assert.deepEqual(codes(wrong), ['iam-trust-mismatch', 'iam-trust-mismatch']);
  assert.match(wrong[0].message, /563918207415/);
});

test('standalone, a bucket-name wildcard is a security warning whose fix narrows to the bucket and its objects', () => {
  const text = policy([allow(['s3:GetObject'], ['arn:aws:s3:::acme-data*'])]);
  const r = lintOne('x.policy.json', text);
  assert.deepEqual(codes(r), ['iam-wildcard-bucket']);
  assert.match(r[0].message, /acme-data-backup/);
  const fixed = applyFix(text, r[0].finding);
  assert.deepEqual(JSON.parse(fixed).Statement[0].Resource, ['arn:aws:s3:::acme-data', 'arn:aws:s3:::acme-data/*']);
  // A wildcard in the key, or "*" alone, is not a bucket wildcard.
  assert.deepEqual(codes(lintOne('x.policy.json', policy([allow(['s3:GetObject'], ['arn:aws:s3:::acme-data/exports/*'])]))), []);
});

test('an object ARN with an empty key ("bucket/") grants nothing; the fix writes bucket/*', () => {
  const text = policy([allow(['s3:GetObject'], ['arn:aws:s3:::acme-data/'])]);
  const r = lintOne('x.policy.json', text);
  assert.deepEqual(codes(r), ['iam-empty-key']);
  assert.equal(r[0].severity, 'warning');
  assert.deepEqual(codes(lintOne('x.policy.json', applyFix(text, r[0].finding))), []);
  // A folder marker key ("exports/") is a real key.
  assert.deepEqual(codes(lintOne('x.policy.json', policy([allow(['s3:GetObject'], ['arn:aws:s3:::acme-data/exports/'])]))), []);
});

test('a resource none of the statement’s actions applies to, beside one that works, is a warning on that resource, under a code of its own', () => {
  const r = lintOne('x.policy.json', policy([allow(['s3:GetObject', 's3:PutObject'], ['arn:aws:s3:::acme-data/*', 'arn:aws:s3:::acme-data'])]));
  assert.deepEqual(codes(r), ['iam-resource-unused']);
  assert.equal(r[0].severity, 'warning');
  assert.match(r[0].message, /bucket ARN arn:aws:s3:::acme-data: it grants nothing here/);
  // Mixed bucket and object actions use both ARNs.
  assert.deepEqual(codes(lintOne('x.policy.json', policy([allow(['s3:GetObject', 's3:ListBucket'], ['arn:aws:s3:::acme-data/*', 'arn:aws:s3:::acme-data'])]))), []);
  // Suppressing the warning in review leaves the error of a statement that grants nothing at all.
  const both = policy([allow(['s3:GetObject', 's3:PutObject'], ['arn:aws:s3:::acme-data/*', 'arn:aws:s3:::acme-data']), allow(['s3:DeleteObject'], 'arn:aws:s3:::acme-data')]);
  assert.deepEqual(codes(lint({ 'x.policy.json': both }, 'x.policy.json', ['iam-resource-unused'])), ['iam-resource-mismatch']);
  assert.deepEqual(codes(lint({ 'x.policy.json': both }, 'x.policy.json', ['iam-resource-mismatch'])), ['iam-resource-unused']);
});

test('the Braze dashboard export seed, verbatim, gets its placeholders and the three resource problems a reviewer names', () => {
  const seed = policy([
    allow(['s3:ListBucket', 's3:GetBucketLocation'], ['arn:aws:s3:::INSERTBUCKETNAME']),
    allow(['s3:GetObject', 's3:PutObject', 's3:DeleteObject'], ['arn:aws:s3:::INSERTBUCKETNAME*', 'arn:aws:s3:::INSERTBUCKETNAME/', 'arn:aws:s3:::INSERTBUCKETNAME']),
  ]);
  const r = lintOne('braze-export.policy.json', seed);
  assert.deepEqual(codes(r), ['placeholder', 'iam-wildcard-bucket', 'placeholder', 'iam-empty-key', 'placeholder', 'iam-resource-unused', 'placeholder']);
});

test('actions of every other AWS service are checked by name: unknown services and actions say "did you mean"', () => {
  const r = lintOne('x.policy.json', policy([allow(['dynamodb:GetItems', 'cloudwatch:PutMetricData', 'logs:CreateLogGroup', 'ec2:Describe*', 'ec2:Frobnicate*', 'dynamodbx:GetItem'], '*')]));
  assert.deepEqual(codes(r), ['iam-unknown-action', 'iam-unknown-action', 'iam-unknown-action']);
  assert.match(r[0].message, /"dynamodb" service has no action "GetItems"\. Did you mean "dynamodb:GetItem"\?/);
  assert.match(r[1].message, /"ec2:Frobnicate\*" matches no action/);
  assert.match(r[2].message, /No AWS service has the prefix "dynamodbx"\. Did you mean "dynamodb:GetItem"\?/);
  const typo = policy([allow(['dynamodb:GetItems'], '*')]);
  const fixed = applyFix(typo, lintOne('x.policy.json', typo)[0].finding);
  assert.deepEqual(codes(lintOne('x.policy.json', fixed)), []);
  assert.match(fixed, /"dynamodb:GetItem"/);
});

test('Stripe’s trust policy: when the config copies Stripe’s principal and external id, the trust policy must carry them', () => {
  const STRIPE = 'arn:aws:iam::731954892063:role/stripe-data-pipeline-delivery';
  const pipeline = (extra: Record<string, string>) =>
    JSON.stringify({ kind: 'stripe-export', name: 's', account: 'acct_1Nv0FGQ9RKHgCVdK', bucket: 'acme-stripe', region: 'eu-west-1', awsAccountId: '402871995361', roleName: 'stripe-data-pipeline-s3-role', permissionPolicy: 'p.policy.json', trustPolicy: 't.trust.json', ...extra }, null, 2);
  const perm = policy([allow('s3:GetBucketLocation', 'arn:aws:s3:::acme-stripe'), allow('s3:PutObject', 'arn:aws:s3:::acme-stripe/*')]);
  const trust = (principal: string, externalId?: string) =>
    JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: principal }, Action: 'sts:AssumeRole', ...(externalId ? { Condition: { StringEquals: { 'sts:ExternalId': externalId } } } : {}) }] }, null, 2);
  const files = (t: string, extra: Record<string, string> = { stripePrincipal: STRIPE, stripeExternalId: 'acct_1Nv0FGQ9RKHgCVdK' }) => ({ 's.pipeline.json': pipeline(extra), 'p.policy.json': perm, 't.trust.json': t });
  assert.deepEqual(codes(lint(files(trust(STRIPE, 'acct_1Nv0FGQ9RKHgCVdK')), 't.trust.json')), []);
  const other = lint(files(trust('arn:aws:iam::731954892063:role/someone-else', 'acct_1Nv0FGQ9RKHgCVdK')), 't.trust.json');
  assert.deepEqual(codes(other), ['iam-trust-mismatch']);
  assert.match(other[0].message, /s\.pipeline\.json says Stripe assumes the role as arn:aws:iam::731954892063:role\/stripe-data-pipeline-delivery, but no statement lets it/);
  assert.deepEqual(codes(lint(files(trust(STRIPE, 'acct_other')), 't.trust.json')), ['iam-trust-mismatch']);
  // Without the fields, Stripe's principal is not imposed (the generic checks still apply).
  assert.deepEqual(codes(lint(files(trust('arn:aws:iam::731954892063:role/someone-else', 'x'), {}), 't.trust.json')), []);
});

test('a statement without Effect is named, and says it has no effect', () => {
  const r = lintOne('x.policy.json', policy([{ Action: 's3:GetObject', Resource: 'arn:aws:s3:::acme/*' }]));
  assert.deepEqual(codes(r), ['schema-required']);
  assert.match(r[0].message, /Effect/);
  assert.deepEqual(codes(lintOne('x.policy.json', policy([allow('s3:GetObject', 'arn:aws:s3:::acme/*')]))), []);
});
