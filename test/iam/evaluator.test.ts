/**
 * The IAM evaluator as a specification: a policy text in, AWS's verdict out, with an explanation that names
 * the deciding statement. Semantics follow the IAM User Guide (policy evaluation logic, condition operators,
 * single- vs multivalued context keys, principals).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseTree } from 'jsonc-parser';
import {
  evaluate,
  statementMatches,
  policyModel,
  parseArn,
  arnMatches,
  arnLike,
  KNOWN_CONDITION_OPERATORS,
  parseConditionOperator,
  type AccessRequest,
  type Verdict,
} from '../../server/src/engine/iam';

type Statement = Record<string, unknown>;

function model(policy: string | { Statement: unknown; Version?: string }) {
  return policyModel(parseTree(typeof policy === 'string' ? policy : JSON.stringify(policy)));
}

function verdict(statements: Statement | Statement[], request: AccessRequest): Verdict {
  return evaluate(model({ Version: '2012-10-17', Statement: statements }), request);
}

const decide = (statements: Statement | Statement[], request: AccessRequest) => verdict(statements, request).decision;

/** One Allow statement with a condition block; the request is s3:ListBucket on the bucket unless given. */
function withCondition(condition: Record<string, Record<string, unknown>>, context: AccessRequest['context'], request: Partial<AccessRequest> = {}) {
  return decide(
    { Sid: 'Cond', Effect: 'Allow', Action: '*', Resource: '*', Condition: condition },
    { action: 's3:ListBucket', resource: 'arn:aws:s3:::acme', context, ...request },
  );
}

const OBJ = 'arn:aws:s3:::acme/penny_test/acct_1/x.csv';

// ---------------------------------------------------------------------------------------------------------
// The model

test('the model reads a policy with exact nodes for every element', () => {
  const text = `{
    "Version": "2012-10-17",
    "Statement": [
      { "Sid": "Put", "Effect": "Allow", "Action": ["s3:PutObject", 7, "s3:GetObject"], "Resource": "arn:aws:s3:::acme/*",
        "Condition": { "StringLike": { "s3:prefix": ["a/*", 3, true] }, "Bool": { "aws:SecureTransport": "true" } } },
      { "Effect": "Deny", "NotAction": "s3:*", "NotResource": ["arn:aws:s3:::acme"], "Principal": {"AWS": ["123456789012", "*"], "Service": "s3.amazonaws.com"} }
    ]
  }`;
  const m = model(text);
  assert.equal(m.version, '2012-10-17');
  assert.equal(text.slice(m.versionNode!.offset, m.versionNode!.offset + m.versionNode!.length), '"2012-10-17"');
  assert.equal(m.statements.length, 2);
  const [a, b] = m.statements;
  assert.equal(a.index, 0);
  assert.equal(a.sid, 'Put');
  assert.equal(a.effect, 'Allow');
  assert.deepEqual(a.action!.values, ['s3:PutObject', 's3:GetObject'], 'non-strings are skipped');
  assert.equal(text.slice(a.action!.nodes[1].offset, a.action!.nodes[1].offset + a.action!.nodes[1].length), '"s3:GetObject"');
  assert.deepEqual(a.resource!.values, ['arn:aws:s3:::acme/*']);
  assert.equal(a.conditions.length, 2);
  assert.deepEqual(
    a.conditions.map((c) => [c.operator, c.key, c.values]),
    [
      ['StringLike', 's3:prefix', ['a/*', 3, true]],
      ['Bool', 'aws:SecureTransport', ['true']],
    ],
  );
  const c0 = a.conditions[0];
  assert.equal(text.slice(c0.operatorNode.offset, c0.operatorNode.offset + c0.operatorNode.length), '"StringLike"');
  assert.equal(text.slice(c0.keyNode.offset, c0.keyNode.offset + c0.keyNode.length), '"s3:prefix"');
  assert.equal(c0.valueNode.type, 'array');
  assert.equal(b.index, 1);
  assert.equal(b.effect, 'Deny');
  assert.deepEqual(b.notAction!.values, ['s3:*']);
  assert.deepEqual(b.notResource!.values, ['arn:aws:s3:::acme']);
  assert.equal(b.principal!.wildcard, true, '{"AWS": [..., "*"]} is everyone');
  assert.deepEqual(b.principal!.byType.Service.values, ['s3.amazonaws.com']);
  assert.deepEqual(b.conditions, []);
});

test('Statement may be a single object, and the model is cached per tree', () => {
  const root = parseTree('{"Statement": {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}}');
  const m = policyModel(root);
  assert.equal(m.statements.length, 1);
  assert.equal(m.statements[0].index, 0);
  assert.equal(m.version, undefined);
  assert.equal(policyModel(root), m, 'same tree, same model object');
  assert.deepEqual(policyModel(undefined).statements, []);
  assert.deepEqual(policyModel(parseTree('[1, 2]')).statements, []);
});

test('an Effect other than exactly "Allow" or "Deny" is kept as a node but has no effect', () => {
  const m = model({ Statement: [{ Effect: 'allow', Action: 's3:GetObject', Resource: '*' }] });
  assert.equal(m.statements[0].effect, undefined);
  assert.equal(m.statements[0].effectNode?.value, 'allow');
  const v = evaluate(m, { action: 's3:GetObject', resource: OBJ });
  assert.equal(v.decision, 'implicit-deny');
  assert.match(v.explanation, /Statement\[0\], would apply, but its Effect "allow" is neither "Allow" nor "Deny"/);
});

// ---------------------------------------------------------------------------------------------------------
// Decisions

test('an explicit Deny beats an Allow, and the explanation names the Deny', () => {
  const v = verdict(
    [
      { Sid: 'AllowAll', Effect: 'Allow', Action: 's3:*', Resource: '*' },
      { Sid: 'NoDeletes', Effect: 'Deny', Action: 's3:DeleteObject', Resource: 'arn:aws:s3:::acme/*' },
    ],
    { action: 's3:DeleteObject', resource: OBJ },
  );
  assert.equal(v.decision, 'explicit-deny');
  assert.equal(v.statement?.sid, 'NoDeletes');
  assert.match(v.explanation, /^Explicitly denied by Statement\[1\] \("NoDeletes"\)/);
  assert.match(v.explanation, /a Deny overrides every Allow/);
});

test('the first matching Allow decides when nothing denies', () => {
  const v = verdict(
    [
      { Effect: 'Allow', Action: 's3:GetObject', Resource: 'arn:aws:s3:::other/*' },
      { Effect: 'Allow', Action: 's3:Get*', Resource: 'arn:aws:s3:::acme/*' },
      { Sid: 'Also', Effect: 'Allow', Action: '*', Resource: '*' },
    ],
    { action: 's3:GetObject', resource: OBJ },
  );
  assert.equal(v.decision, 'allow');
  assert.equal(v.statement?.index, 1);
  assert.equal(v.explanation, `Allowed by Statement[1]: Action "s3:Get*" covers s3:GetObject and Resource "arn:aws:s3:::acme/*" covers ${OBJ}.`);
});

test('nothing matching is an implicit deny that points at the closest statement', () => {
  const v = verdict({ Sid: 'ReadOnly', Effect: 'Allow', Action: 's3:GetObject', Resource: 'arn:aws:s3:::acme/*' }, { action: 's3:PutObject', resource: OBJ });
  assert.equal(v.decision, 'implicit-deny');
  assert.equal(v.statement, undefined);
  assert.match(v.explanation, /^Implicitly denied: no statement allows s3:PutObject on arn:aws:s3:::acme\/penny_test\/acct_1\/x\.csv; the closest, Statement\[0\] \("ReadOnly"\), does not cover s3:PutObject/);

  const r = verdict({ Sid: 'ReadOnly', Effect: 'Allow', Action: 's3:GetObject', Resource: 'arn:aws:s3:::acme/*' }, { action: 's3:GetObject', resource: 'arn:aws:s3:::other/x' });
  assert.match(r.explanation, /Statement\[0\] \("ReadOnly"\), covers s3:GetObject but not arn:aws:s3:::other\/x \(Resource: "arn:aws:s3:::acme\/\*"\)/);

  assert.match(evaluate(model({ Statement: [] }), { action: 's3:GetObject', resource: OBJ }).explanation, /the policy has no statements/);
  assert.match(verdict({ Effect: 'Deny', Action: 's3:PutObject', Resource: '*' }, { action: 's3:GetObject', resource: OBJ }).explanation, /every statement is a Deny/);
});

test('several policies are evaluated together: a Deny in any of them wins', () => {
  const allow = model({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 's3:*', Resource: '*' }] });
  const deny = model({ Version: '2012-10-17', Statement: [{ Sid: 'Guard', Effect: 'Deny', Action: 's3:PutObject', Resource: '*' }] });
  const v = evaluate([allow, deny], { action: 's3:PutObject', resource: OBJ });
  assert.equal(v.decision, 'explicit-deny');
  assert.match(v.explanation, /Statement\[0\] \("Guard"\) of policy 2/);
  assert.equal(evaluate([allow, deny], { action: 's3:GetObject', resource: OBJ }).decision, 'allow');
});

test('a statement without Action/NotAction, or without Resource/NotResource, matches nothing', () => {
  assert.equal(decide({ Effect: 'Allow', Resource: '*' }, { action: 's3:GetObject', resource: OBJ }), 'implicit-deny');
  assert.equal(decide({ Effect: 'Allow', Action: '*' }, { action: 's3:GetObject', resource: OBJ }), 'implicit-deny');
  assert.equal(decide({ Effect: 'Deny', Action: '*' }, { action: 's3:GetObject', resource: OBJ }), 'implicit-deny');
  const v = verdict({ Effect: 'Allow', Action: '*', NotAction: 's3:PutObject', Resource: '*' }, { action: 's3:GetObject', resource: OBJ });
  assert.match(v.explanation, /has both Action and NotAction/);
});

// ---------------------------------------------------------------------------------------------------------
// Action and Resource matching

test('NotAction allows every action except the listed ones', () => {
  const st = { Sid: 'AllButDelete', Effect: 'Allow', NotAction: ['s3:Delete*', 'kms:*'], Resource: '*' };
  assert.equal(decide(st, { action: 's3:GetObject', resource: OBJ }), 'allow');
  assert.equal(decide(st, { action: 'sts:AssumeRole', resource: 'arn:aws:iam::123456789012:role/r' }), 'allow');
  assert.equal(decide(st, { action: 's3:DeleteObject', resource: OBJ }), 'implicit-deny');
  assert.match(verdict(st, { action: 'kms:Decrypt', resource: '*' }).explanation, /excludes kms:Decrypt through NotAction "kms:\*"/);
});

test('NotResource applies to every resource except the listed ones', () => {
  const deny = { Sid: 'OnlyAcme', Effect: 'Deny', Action: 's3:*', NotResource: ['arn:aws:s3:::acme', 'arn:aws:s3:::acme/*'] };
  const allow = { Effect: 'Allow', Action: 's3:*', Resource: '*' };
  assert.equal(decide([allow, deny], { action: 's3:GetObject', resource: OBJ }), 'allow');
  assert.equal(decide([allow, deny], { action: 's3:ListBucket', resource: 'arn:aws:s3:::acme' }), 'allow');
  const v = verdict([allow, deny], { action: 's3:GetObject', resource: 'arn:aws:s3:::elsewhere/x' });
  assert.equal(v.decision, 'explicit-deny');
  assert.match(v.explanation, /Statement\[1\] \("OnlyAcme"\).*arn:aws:s3:::elsewhere\/x is not in its NotResource/);
});

test('action wildcards: s3:Get*, s3:?etObject, s3:*, *', () => {
  const allows = (action: string, pattern: string) => decide({ Effect: 'Allow', Action: pattern, Resource: '*' }, { action, resource: OBJ }) === 'allow';
  assert.ok(allows('s3:GetObject', 's3:Get*'));
  assert.ok(allows('s3:GetObjectVersion', 's3:Get*'));
  assert.ok(!allows('s3:PutObject', 's3:Get*'));
  assert.ok(allows('s3:GetObject', 's3:?etObject'));
  assert.ok(!allows('s3:GetObjects', 's3:?etObject'), '? is exactly one character');
  assert.ok(!allows('s3:tObject', 's3:?etObject'));
  assert.ok(allows('kms:Decrypt', '*'));
  assert.ok(allows('s3:ListBucket', 's3:*'));
  assert.ok(!allows('s3:ListBucket', 'kms:*'));
  assert.ok(!allows('s3:ListBucket', 's3:List'), 'no implicit prefix match');
});

test('actions are case-insensitive, service prefix included', () => {
  assert.equal(decide({ Effect: 'Allow', Action: 'S3:getobject', Resource: '*' }, { action: 's3:GetObject', resource: OBJ }), 'allow');
  assert.equal(decide({ Effect: 'Allow', Action: 's3:GETOBJ*', Resource: '*' }, { action: 'S3:GetObject', resource: OBJ }), 'allow');
});

test('resource ARNs are case-sensitive', () => {
  assert.equal(decide({ Effect: 'Allow', Action: 's3:GetObject', Resource: 'arn:aws:s3:::ACME/*' }, { action: 's3:GetObject', resource: OBJ }), 'implicit-deny');
  assert.equal(decide({ Effect: 'Allow', Action: 's3:GetObject', Resource: 'arn:aws:s3:::acme/Penny_Test/*' }, { action: 's3:GetObject', resource: OBJ }), 'implicit-deny');
});

test('bucket/* covers the objects but not the bucket ARN itself', () => {
  const st = { Sid: 'Objects', Effect: 'Allow', Action: 's3:*', Resource: 'arn:aws:s3:::acme/*' };
  assert.equal(decide(st, { action: 's3:GetObject', resource: OBJ }), 'allow');
  assert.equal(decide(st, { action: 's3:ListBucket', resource: 'arn:aws:s3:::acme' }), 'implicit-deny');
  assert.equal(decide(st, { action: 's3:GetObject', resource: 'arn:aws:s3:::acme-logs/x' }), 'implicit-deny');
  assert.equal(decide({ Effect: 'Allow', Action: 's3:*', Resource: 'arn:aws:s3:::acme*' }, { action: 's3:GetObject', resource: 'arn:aws:s3:::acme-logs/x' }), 'allow');
  assert.equal(decide({ Effect: 'Allow', Action: 's3:*', Resource: 'arn:aws:s3:::acme/penny_test/acct_?/*' }, { action: 's3:GetObject', resource: OBJ }), 'allow');
});

test('a * in an ARN segment may run past colons; "*" alone covers any resource, even "*"', () => {
  assert.equal(decide({ Effect: 'Allow', Action: 'kms:*', Resource: 'arn:aws:kms:*:123456789012:key/*' }, { action: 'kms:Decrypt', resource: 'arn:aws:kms:eu-west-3:123456789012:key/abcd' }), 'allow');
  assert.equal(decide({ Effect: 'Allow', Action: 'kms:*', Resource: 'arn:aws:kms:*' }, { action: 'kms:Decrypt', resource: 'arn:aws:kms:eu-west-3:123456789012:key/abcd' }), 'allow');
  assert.equal(decide({ Effect: 'Allow', Action: 'kms:*', Resource: 'arn:aws:kms:*:999999999999:key/*' }, { action: 'kms:Decrypt', resource: 'arn:aws:kms:eu-west-3:123456789012:key/abcd' }), 'implicit-deny');
  assert.equal(decide({ Effect: 'Allow', Action: 's3:ListAllMyBuckets', Resource: '*' }, { action: 's3:ListAllMyBuckets', resource: '*' }), 'allow');
  assert.equal(decide({ Effect: 'Allow', Action: 's3:ListAllMyBuckets', Resource: 'arn:aws:s3:::*' }, { action: 's3:ListAllMyBuckets', resource: '*' }), 'implicit-deny');
});

test('policy variables resolve from the context under Version 2012-10-17, and are literal text in older policies', () => {
  const st = { Effect: 'Allow', Action: 's3:GetObject', Resource: 'arn:aws:s3:::acme/home/${aws:username}/*' };
  const req = (username?: string): AccessRequest => ({ action: 's3:GetObject', resource: 'arn:aws:s3:::acme/home/alice/x', context: { 'aws:username': username } });
  assert.equal(decide(st, req('alice')), 'allow');
  assert.equal(decide(st, req('bob')), 'implicit-deny');
  assert.equal(decide(st, req(undefined)), 'implicit-deny', 'unresolved: matches nothing');
  assert.equal(evaluate(model({ Version: '2008-10-17', Statement: st }), req('alice')).decision, 'implicit-deny', 'no variables before 2012-10-17…');
  assert.equal(evaluate(model({ Version: '2008-10-17', Statement: st }), { action: 's3:GetObject', resource: 'arn:aws:s3:::acme/home/${aws:username}/x' }).decision, 'allow', '… only literal text');
  assert.equal(decide({ ...st, Resource: "arn:aws:s3:::acme/home/${aws:username, 'alice'}/*" }, req(undefined)), 'allow', 'default value');
  assert.equal(decide({ ...st, Resource: 'arn:aws:s3:::acme/${*}' }, { action: 's3:GetObject', resource: 'arn:aws:s3:::acme/*' }), 'allow');
  assert.equal(decide({ ...st, Resource: 'arn:aws:s3:::acme/${*}' }, { action: 's3:GetObject', resource: 'arn:aws:s3:::acme/x' }), 'implicit-deny', '${*} is a literal asterisk');
  assert.equal(withCondition({ StringLike: { 's3:prefix': 'home/${aws:username}/*' } }, { 's3:prefix': 'home/alice/docs/', 'aws:username': 'alice' }), 'allow');
  assert.equal(withCondition({ StringLike: { 's3:prefix': 'home/${aws:username}/*' } }, { 's3:prefix': 'home/bob/docs/', 'aws:username': 'alice' }), 'implicit-deny');
  assert.equal(withCondition({ StringLike: { 's3:prefix': 'home/${aws:username}/*' } }, { 's3:prefix': 'home/alice/docs/', 'aws:username': ['alice', 'bob'] }), 'implicit-deny', 'a multivalued key is no variable');
});

test('a variable the request cannot resolve decides nothing: AWS says it may invalidate the statement', () => {
  // Not even the literal text matches…
  const st = { Effect: 'Allow', Action: 's3:GetObject', Resource: 'arn:aws:s3:::acme/home/${aws:username}/*' };
  assert.equal(decide(st, { action: 's3:GetObject', resource: 'arn:aws:s3:::acme/home/${aws:username}/x' }), 'implicit-deny');
  // …and it cannot prove a resource outside a NotResource, nor a value outside a negated operator.
  const notResource = { Sid: 'OutsideHome', Effect: 'Deny', Action: 's3:*', NotResource: 'arn:aws:s3:::acme/home/${aws:username}/*' };
  assert.equal(decide(notResource, { action: 's3:GetObject', resource: 'arn:aws:s3:::acme/home/bob/x', context: { 'aws:username': 'alice' } }), 'explicit-deny');
  const v = verdict([{ Effect: 'Allow', Action: 's3:*', Resource: '*' }, notResource], { action: 's3:GetObject', resource: 'arn:aws:s3:::acme/home/bob/x' });
  assert.equal(v.decision, 'allow', 'the Deny does not apply when aws:username is missing');
  assert.equal(withCondition({ StringNotEquals: { 's3:prefix': '${aws:username}/' } }, { 's3:prefix': 'x/' }), 'implicit-deny');
  assert.equal(withCondition({ StringNotEquals: { 's3:prefix': '${aws:username}/' } }, { 's3:prefix': 'x/', 'aws:username': 'alice' }), 'allow');
  assert.equal(withCondition({ StringNotEquals: { 's3:prefix': "${aws:username, 'nobody'}/" } }, { 's3:prefix': 'x/' }), 'allow', 'a default resolves it');
  assert.equal(withCondition({ StringEquals: { 's3:prefix': ['${aws:username}/', 'x/'] } }, { 's3:prefix': 'x/' }), 'allow', 'other values still match');
  assert.equal(withCondition({ ArnLike: { 'aws:PrincipalArn': 'arn:aws:iam::123456789012:user/${aws:username}' } }, { 'aws:PrincipalArn': 'arn:aws:iam::123456789012:user/alice', 'aws:username': 'alice' }), 'allow');
  assert.equal(withCondition({ ArnNotLike: { 'aws:PrincipalArn': 'arn:aws:iam::123456789012:user/${aws:username}' } }, { 'aws:PrincipalArn': 'arn:aws:iam::123456789012:user/alice' }), 'implicit-deny');
});

// ---------------------------------------------------------------------------------------------------------
// The pipeline shapes

test('Stripe: s3:PutObject on an object under penny_test is allowed by arn:aws:s3:::acme/*', () => {
  const policy = {
    Version: '2012-10-17',
    Statement: [
      { Sid: 'StripeWrite', Effect: 'Allow', Action: ['s3:PutObject', 's3:PutObjectAcl'], Resource: 'arn:aws:s3:::acme/*' },
      { Sid: 'StripeList', Effect: 'Allow', Action: ['s3:ListBucket', 's3:GetBucketLocation'], Resource: 'arn:aws:s3:::acme' },
    ],
  };
  const v = evaluate(model(policy), { action: 's3:PutObject', resource: 'arn:aws:s3:::acme/penny_test/acct_1/x.csv' });
  assert.equal(v.decision, 'allow');
  assert.equal(v.statement?.sid, 'StripeWrite');
  assert.match(v.explanation, /"StripeWrite"/);
  assert.equal(evaluate(model(policy), { action: 's3:GetObject', resource: 'arn:aws:s3:::acme/penny_test/acct_1/x.csv' }).decision, 'implicit-deny');
  assert.equal(evaluate(model(policy), { action: 's3:GetBucketLocation', resource: 'arn:aws:s3:::acme' }).decision, 'allow');
});

test('Braze: s3:ListBucket is allowed only under the prefix its s3:prefix condition names', () => {
  const policy = {
    Version: '2012-10-17',
    Statement: [
      { Sid: 'BrazeList', Effect: 'Allow', Action: 's3:ListBucket', Resource: 'arn:aws:s3:::acme', Condition: { StringLike: { 's3:prefix': ['currents/*', 'currents/'] } } },
      { Sid: 'BrazeWrite', Effect: 'Allow', Action: 's3:PutObject', Resource: 'arn:aws:s3:::acme/currents/*' },
    ],
  };
  const list = (prefix?: string) => evaluate(model(policy), { action: 's3:ListBucket', resource: 'arn:aws:s3:::acme', context: { 's3:prefix': prefix } });
  assert.equal(list('currents/dataexport.prod-01/').decision, 'allow');
  assert.equal(list('currents/').decision, 'allow');
  const other = list('private/');
  assert.equal(other.decision, 'implicit-deny');
  assert.match(other.explanation, /Statement\[0\] \("BrazeList"\), covers the request but its condition StringLike s3:prefix \["currents\/\*","currents\/"\] fails \(s3:prefix is "private\/"\)/);
  assert.match(list(undefined).explanation, /s3:prefix is missing/);
});

// ---------------------------------------------------------------------------------------------------------
// Condition operators: each family with a passing and a failing case

test('String operators', () => {
  assert.equal(withCondition({ StringEquals: { 's3:prefix': 'logs/' } }, { 's3:prefix': 'logs/' }), 'allow');
  assert.equal(withCondition({ StringEquals: { 's3:prefix': 'logs/' } }, { 's3:prefix': 'Logs/' }), 'implicit-deny');
  assert.equal(withCondition({ StringEquals: { 's3:prefix': 'logs/*' } }, { 's3:prefix': 'logs/a' }), 'implicit-deny', 'no wildcards in StringEquals');
  assert.equal(withCondition({ StringNotEquals: { 's3:prefix': ['a', 'b'] } }, { 's3:prefix': 'c' }), 'allow');
  assert.equal(withCondition({ StringNotEquals: { 's3:prefix': ['a', 'b'] } }, { 's3:prefix': 'b' }), 'implicit-deny', 'negated: matches none of the values');
  assert.equal(withCondition({ StringEqualsIgnoreCase: { 'aws:username': 'Alice' } }, { 'aws:username': 'aLICE' }), 'allow');
  assert.equal(withCondition({ StringEqualsIgnoreCase: { 'aws:username': 'Alice' } }, { 'aws:username': 'bob' }), 'implicit-deny');
  assert.equal(withCondition({ StringNotEqualsIgnoreCase: { 'aws:username': 'Alice' } }, { 'aws:username': 'bob' }), 'allow');
  assert.equal(withCondition({ StringNotEqualsIgnoreCase: { 'aws:username': 'Alice' } }, { 'aws:username': 'ALICE' }), 'implicit-deny');
  assert.equal(withCondition({ StringLike: { 's3:prefix': 'acct_?/*' } }, { 's3:prefix': 'acct_1/2024/' }), 'allow');
  assert.equal(withCondition({ StringLike: { 's3:prefix': 'acct_?/*' } }, { 's3:prefix': 'acct_12/2024/' }), 'implicit-deny');
  assert.equal(withCondition({ StringNotLike: { 's3:prefix': ['private/*', 'secret*'] } }, { 's3:prefix': 'public/' }), 'allow');
  assert.equal(withCondition({ StringNotLike: { 's3:prefix': ['private/*', 'secret*'] } }, { 's3:prefix': 'secrets/' }), 'implicit-deny');
});

test('Numeric operators', () => {
  const n = (op: string, policy: string | number, value: string | number) => withCondition({ [op]: { 's3:max-keys': policy } }, { 's3:max-keys': value });
  assert.equal(n('NumericEquals', '10', 10), 'allow');
  assert.equal(n('NumericEquals', 10, '10.0'), 'allow');
  assert.equal(n('NumericEquals', '10', '11'), 'implicit-deny');
  assert.equal(n('NumericNotEquals', '10', '11'), 'allow');
  assert.equal(n('NumericNotEquals', '10', '10'), 'implicit-deny');
  assert.equal(n('NumericLessThan', '100', '99'), 'allow');
  assert.equal(n('NumericLessThan', '100', '100'), 'implicit-deny');
  assert.equal(n('NumericLessThanEquals', '100', '100'), 'allow');
  assert.equal(n('NumericLessThanEquals', '100', '101'), 'implicit-deny');
  assert.equal(n('NumericGreaterThan', '100', '101'), 'allow');
  assert.equal(n('NumericGreaterThan', '100', '100'), 'implicit-deny');
  assert.equal(n('NumericGreaterThanEquals', '100', '100'), 'allow');
  assert.equal(n('NumericGreaterThanEquals', '100', '-5'), 'implicit-deny');
  assert.equal(n('NumericEquals', '10', 'ten'), 'implicit-deny', 'not a number');
  assert.equal(n('NumericNotEquals', '10', 'ten'), 'implicit-deny', 'a value of the wrong type fails, negated or not');
});

test('Date operators accept ISO 8601 and epoch seconds', () => {
  const d = (op: string, policy: string, value: string | number) => withCondition({ [op]: { 'aws:CurrentTime': policy } }, { 'aws:CurrentTime': value });
  assert.equal(d('DateEquals', '2024-01-01T00:00:00Z', '2024-01-01T00:00:00Z'), 'allow');
  assert.equal(d('DateEquals', '2024-01-01T00:00:00Z', 1704067200), 'allow', 'epoch seconds');
  assert.equal(d('DateEquals', '2024-01-01', '2024-01-01T00:00:00Z'), 'allow', 'a date alone is midnight UTC');
  assert.equal(d('DateEquals', '2024-01-01T00:00:00Z', '2024-01-01T00:00:01Z'), 'implicit-deny');
  assert.equal(d('DateNotEquals', '2024-01-01T00:00:00Z', '2024-01-02T00:00:00Z'), 'allow');
  assert.equal(d('DateNotEquals', '2024-01-01T00:00:00Z', '2024-01-01T01:00:00+01:00'), 'implicit-deny', 'same instant, other offset');
  assert.equal(d('DateLessThan', '2025-01-01T00:00:00Z', '2024-12-31T23:59:59Z'), 'allow');
  assert.equal(d('DateLessThan', '2025-01-01T00:00:00Z', '2025-01-01T00:00:00Z'), 'implicit-deny');
  assert.equal(d('DateLessThanEquals', '2025-01-01T00:00:00Z', '2025-01-01T00:00:00Z'), 'allow');
  assert.equal(d('DateLessThanEquals', '2025-01-01T00:00:00Z', '2025-01-01T00:00:01Z'), 'implicit-deny');
  assert.equal(d('DateGreaterThan', '1704067200', '2024-06-01T00:00:00Z'), 'allow', 'epoch in the policy');
  assert.equal(d('DateGreaterThan', '2024-06-01T00:00:00Z', '2024-01-01T00:00:00Z'), 'implicit-deny');
  assert.equal(d('DateGreaterThanEquals', '2024-06-01T00:00:00Z', '2024-06-01T00:00:00Z'), 'allow');
  assert.equal(d('DateGreaterThanEquals', '2024-06-01T00:00:00Z', 'yesterday'), 'implicit-deny', 'not a date');
});

test('Bool and BinaryEquals', () => {
  assert.equal(withCondition({ Bool: { 'aws:SecureTransport': 'true' } }, { 'aws:SecureTransport': true }), 'allow');
  assert.equal(withCondition({ Bool: { 'aws:SecureTransport': true } }, { 'aws:SecureTransport': 'TRUE' }), 'allow');
  assert.equal(withCondition({ Bool: { 'aws:SecureTransport': 'true' } }, { 'aws:SecureTransport': 'false' }), 'implicit-deny');
  assert.equal(withCondition({ Bool: { 'aws:SecureTransport': 'true' } }, {}), 'implicit-deny', 'missing key');
  assert.equal(withCondition({ BinaryEquals: { 'key:blob': 'QmluYXJ5VmFsdWU=' } }, { 'key:blob': 'QmluYXJ5VmFsdWU=' }), 'allow');
  assert.equal(withCondition({ BinaryEquals: { 'key:blob': 'QmluYXJ5VmFsdWU=' } }, { 'key:blob': 'T3RoZXI=' }), 'implicit-deny');
});

test('IpAddress and NotIpAddress, IPv4 and IPv6', () => {
  const ip = (op: string, cidrs: string | string[], value: string) => withCondition({ [op]: { 'aws:SourceIp': cidrs } }, { 'aws:SourceIp': value });
  assert.equal(ip('IpAddress', '203.0.113.0/24', '203.0.113.7'), 'allow');
  assert.equal(ip('IpAddress', '203.0.113.0/24', '203.0.114.7'), 'implicit-deny');
  assert.equal(ip('IpAddress', '203.0.113.7', '203.0.113.7'), 'allow', 'a single address is a /32');
  assert.equal(ip('IpAddress', ['10.0.0.0/8', '2001:db8::/32'], '2001:db8:1234::1'), 'allow');
  assert.equal(ip('IpAddress', '2001:db8::/32', '2001:db9::1'), 'implicit-deny');
  assert.equal(ip('IpAddress', '::ffff:192.0.2.0/120', '::ffff:192.0.2.9'), 'allow', 'IPv4-mapped IPv6');
  assert.equal(ip('IpAddress', '2001:db8::/32', '10.1.2.3'), 'implicit-deny', 'families do not mix');
  assert.equal(ip('IpAddress', '0.0.0.0/0', '198.51.100.1'), 'allow');
  assert.equal(ip('NotIpAddress', ['10.0.0.0/8', '192.168.0.0/16'], '198.51.100.1'), 'allow');
  assert.equal(ip('NotIpAddress', ['10.0.0.0/8', '192.168.0.0/16'], '192.168.3.4'), 'implicit-deny');
});

test('Arn operators compare each ARN component, case-sensitively', () => {
  const arn = (op: string, policy: string, value: string) => withCondition({ [op]: { 'aws:PrincipalArn': policy } }, { 'aws:PrincipalArn': value });
  assert.equal(arn('ArnLike', 'arn:aws:iam::*:role/pipeline-*', 'arn:aws:iam::123456789012:role/pipeline-stripe'), 'allow');
  assert.equal(arn('ArnLike', 'arn:aws:iam::*:role/pipeline-*', 'arn:aws:iam::123456789012:user/pipeline-stripe'), 'implicit-deny');
  assert.equal(arn('ArnLike', 'arn:aws:iam::*:role/Pipeline-*', 'arn:aws:iam::123456789012:role/pipeline-stripe'), 'implicit-deny', 'case-sensitive');
  assert.equal(arn('ArnEquals', 'arn:aws:iam::123456789012:role/r', 'arn:aws:iam::123456789012:role/r'), 'allow');
  assert.equal(arn('ArnEquals', 'arn:aws:iam::123456789012:role/r', 'arn:aws:iam::123456789012:role/s'), 'implicit-deny');
  assert.equal(arn('ArnNotLike', 'arn:aws:iam::*:role/admin*', 'arn:aws:iam::123456789012:role/pipeline'), 'allow');
  assert.equal(arn('ArnNotLike', 'arn:aws:iam::*:role/admin*', 'arn:aws:iam::123456789012:role/admin-1'), 'implicit-deny');
  assert.equal(arn('ArnNotEquals', 'arn:aws:iam::123456789012:role/r', 'arn:aws:iam::123456789012:role/s'), 'allow');
  assert.equal(arn('ArnNotEquals', 'arn:aws:iam::123456789012:role/r', 'arn:aws:iam::123456789012:role/r'), 'implicit-deny');
  assert.equal(arn('ArnLike', 'arn:aws:iam::*:role/*', 'not-an-arn'), 'implicit-deny');
});

test('Null tests presence: true when the key is missing, false when present', () => {
  assert.equal(withCondition({ Null: { 's3:x-amz-server-side-encryption': 'true' } }, {}), 'allow');
  assert.equal(withCondition({ Null: { 's3:x-amz-server-side-encryption': 'true' } }, { 's3:x-amz-server-side-encryption': 'AES256' }), 'implicit-deny');
  assert.equal(withCondition({ Null: { 'aws:TagKeys': 'false' } }, { 'aws:TagKeys': ['env'] }), 'allow');
  assert.equal(withCondition({ Null: { 'aws:TagKeys': false } }, {}), 'implicit-deny');
  assert.equal(withCondition({ Null: { 'aws:TagKeys': 'false' } }, { 'aws:TagKeys': [] }), 'implicit-deny', 'an empty list is no value');
});

test('a missing key fails positive operators and satisfies negated ones, as AWS documents', () => {
  assert.equal(withCondition({ StringEquals: { 'sts:ExternalId': 'penny' } }, {}), 'implicit-deny');
  assert.equal(withCondition({ StringLike: { 's3:prefix': '*' } }, {}), 'implicit-deny', 'even * needs the key');
  assert.equal(withCondition({ NumericLessThan: { 's3:max-keys': '10' } }, {}), 'implicit-deny');
  assert.equal(withCondition({ IpAddress: { 'aws:SourceIp': '0.0.0.0/0' } }, {}), 'implicit-deny');
  for (const op of ['StringNotEquals', 'StringNotEqualsIgnoreCase', 'StringNotLike', 'NumericNotEquals', 'DateNotEquals', 'NotIpAddress', 'ArnNotEquals', 'ArnNotLike']) {
    assert.equal(withCondition({ [op]: { 'some:Key': 'x' } }, {}), 'allow', op);
  }
  // The classic guard: deny uploads whose encryption header is not aws:kms — also denies uploads without it.
  const guard = [
    { Effect: 'Allow', Action: 's3:PutObject', Resource: 'arn:aws:s3:::acme/*' },
    { Sid: 'RequireKms', Effect: 'Deny', Action: 's3:PutObject', Resource: '*', Condition: { StringNotEquals: { 's3:x-amz-server-side-encryption': 'aws:kms' } } },
  ];
  assert.equal(decide(guard, { action: 's3:PutObject', resource: OBJ }), 'explicit-deny');
  assert.match(verdict(guard, { action: 's3:PutObject', resource: OBJ }).explanation, /"RequireKms"/);
  assert.equal(decide(guard, { action: 's3:PutObject', resource: OBJ, context: { 's3:x-amz-server-side-encryption': 'AES256' } }), 'explicit-deny');
  assert.equal(decide(guard, { action: 's3:PutObject', resource: OBJ, context: { 's3:x-amz-server-side-encryption': 'aws:kms' } }), 'allow');
});

test('…IfExists: a missing key passes, a present key is tested', () => {
  assert.equal(withCondition({ StringEqualsIfExists: { 's3:x-amz-server-side-encryption': 'AES256' } }, {}), 'allow');
  assert.equal(withCondition({ StringEqualsIfExists: { 's3:x-amz-server-side-encryption': 'AES256' } }, { 's3:x-amz-server-side-encryption': 'AES256' }), 'allow');
  assert.equal(withCondition({ StringEqualsIfExists: { 's3:x-amz-server-side-encryption': 'AES256' } }, { 's3:x-amz-server-side-encryption': 'aws:kms' }), 'implicit-deny');
  assert.equal(withCondition({ BoolIfExists: { 'aws:MultiFactorAuthPresent': 'false' } }, {}), 'allow');
  assert.equal(withCondition({ NumericLessThanIfExists: { 's3:max-keys': '10' } }, { 's3:max-keys': '20' }), 'implicit-deny');
  assert.equal(withCondition({ ArnLikeIfExists: { 'aws:SourceArn': 'arn:aws:s3:::acme' } }, {}), 'allow');
  assert.equal(withCondition({ StringNotEqualsIfExists: { 's3:x-amz-server-side-encryption': 'aws:kms' } }, { 's3:x-amz-server-side-encryption': 'aws:kms' }), 'implicit-deny');
  assert.equal(withCondition({ 'ForAnyValue:StringEqualsIfExists': { 'aws:TagKeys': 'env' } }, {}), 'allow', 'IfExists wins over ForAnyValue on a missing key');
});

test('ForAllValues and ForAnyValue on multivalued keys', () => {
  const all = (values: string[] | undefined) => withCondition({ 'ForAllValues:StringEquals': { 'aws:TagKeys': ['env', 'team'] } }, { 'aws:TagKeys': values });
  assert.equal(all(['env']), 'allow');
  assert.equal(all(['env', 'team']), 'allow');
  assert.equal(all(['env', 'owner']), 'implicit-deny');
  assert.equal(all(undefined), 'allow', 'ForAllValues holds when the key is missing');
  assert.equal(all([]), 'allow', '… or empty');
  const any = (values: string[] | undefined) => withCondition({ 'ForAnyValue:StringLike': { 'aws:TagKeys': ['cost*', 'env'] } }, { 'aws:TagKeys': values });
  assert.equal(any(['owner', 'costcenter']), 'allow');
  assert.equal(any(['owner']), 'implicit-deny');
  assert.equal(any(undefined), 'implicit-deny', 'ForAnyValue fails when the key is missing');
  assert.equal(any([]), 'implicit-deny');
  assert.equal(withCondition({ 'ForAllValues:StringNotEquals': { 'aws:TagKeys': ['secret'] } }, { 'aws:TagKeys': ['env', 'team'] }), 'allow');
  assert.equal(withCondition({ 'ForAllValues:StringNotEquals': { 'aws:TagKeys': ['secret'] } }, { 'aws:TagKeys': ['env', 'secret'] }), 'implicit-deny');
  assert.equal(withCondition({ 'ForAnyValue:StringNotEquals': { 'aws:TagKeys': ['env'] } }, { 'aws:TagKeys': ['env', 'team'] }), 'allow');
  assert.equal(withCondition({ 'ForAnyValue:StringNotEquals': { 'aws:TagKeys': ['env'] } }, { 'aws:TagKeys': ['env'] }), 'implicit-deny');
  assert.equal(withCondition({ 'forallvalues:stringequals': { 'aws:TagKeys': ['env'] } }, { 'aws:TagKeys': ['env'] }), 'allow', 'operator names read case-insensitively');
  assert.equal(withCondition({ StringEquals: { 'aws:TagKeys': 'env' } }, { 'aws:TagKeys': ['env', 'team'] }), 'implicit-deny', 'a multivalued key needs a set operator');
  assert.equal(withCondition({ 'ForAnyValue:StringEquals': { 's3:prefix': 'logs/' } }, { 's3:prefix': 'logs/' }), 'allow', 'a single value is a one-element set');
});

test('all clauses must hold: AND across operators and keys, OR across the values of one key', () => {
  const cond = { StringLike: { 's3:prefix': ['a/*', 'b/*'] }, Bool: { 'aws:SecureTransport': 'true' }, IpAddress: { 'aws:SourceIp': '10.0.0.0/8' } };
  assert.equal(withCondition(cond, { 's3:prefix': 'b/x', 'aws:SecureTransport': 'true', 'aws:SourceIp': '10.9.9.9' }), 'allow');
  assert.equal(withCondition(cond, { 's3:prefix': 'c/x', 'aws:SecureTransport': 'true', 'aws:SourceIp': '10.9.9.9' }), 'implicit-deny');
  assert.equal(withCondition(cond, { 's3:prefix': 'a/x', 'aws:SecureTransport': 'false', 'aws:SourceIp': '10.9.9.9' }), 'implicit-deny');
  assert.equal(withCondition(cond, { 's3:prefix': 'a/x', 'aws:SecureTransport': 'true' }), 'implicit-deny');
  assert.equal(withCondition({ StringEquals: { 's3:prefix': 'a', 'aws:username': 'alice' } }, { 's3:prefix': 'a', 'aws:username': 'bob' }), 'implicit-deny');
});

test('context key names are case-insensitive', () => {
  assert.equal(withCondition({ Bool: { 'aws:SecureTransport': 'true' } }, { 'AWS:SECURETRANSPORT': 'true' }), 'allow');
  assert.equal(withCondition({ StringEquals: { 'S3:Prefix': 'x' } }, { 's3:prefix': 'x' }), 'allow');
});

test('an unknown operator makes its clause false', () => {
  assert.equal(withCondition({ StringEqualz: { 's3:prefix': 'x' } }, { 's3:prefix': 'x' }), 'implicit-deny');
  assert.equal(withCondition({ 'ForSomeValues:StringEquals': { 's3:prefix': 'x' } }, { 's3:prefix': 'x' }), 'implicit-deny');
  assert.equal(withCondition({ NullIfExists: { 's3:prefix': 'false' } }, { 's3:prefix': 'x' }), 'implicit-deny');
  const v = verdict({ Sid: 'Typo', Effect: 'Allow', Action: '*', Resource: '*', Condition: { StringEqualz: { 's3:prefix': 'x' } } }, { action: 's3:ListBucket', resource: 'arn:aws:s3:::acme', context: { 's3:prefix': 'x' } });
  assert.match(v.explanation, /StringEqualz is not a condition operator/);
});

test('the condition operator catalog and its parser', () => {
  assert.equal(KNOWN_CONDITION_OPERATORS.length, 27);
  assert.ok(KNOWN_CONDITION_OPERATORS.includes('StringLike'));
  assert.ok(KNOWN_CONDITION_OPERATORS.includes('Null'));
  assert.ok(!KNOWN_CONDITION_OPERATORS.some((o) => o.includes(':') || o.endsWith('IfExists')));
  assert.deepEqual(parseConditionOperator('ForAnyValue:StringLikeIfExists'), { setOperator: 'ForAnyValue', base: 'StringLike', ifExists: true, known: true });
  assert.deepEqual(parseConditionOperator('ArnLikeIfExists'), { setOperator: undefined, base: 'ArnLike', ifExists: true, known: true });
  assert.equal(parseConditionOperator('StringEqualz').known, false);
});

// ---------------------------------------------------------------------------------------------------------
// Trust policies

const trust = (principal: unknown, extra: Statement = {}) => ({ Sid: 'Trust', Effect: 'Allow', Principal: principal, Action: 'sts:AssumeRole', ...extra });
const assume = (principal?: string, context?: AccessRequest['context']): AccessRequest => ({ action: 'sts:AssumeRole', resource: 'arn:aws:iam::123456789012:role/pipeline', principal, context });

test('trust policy: "*" trusts anyone, and needs no Resource', () => {
  assert.equal(decide(trust('*'), assume('arn:aws:iam::999999999999:user/mallory')), 'allow');
  assert.equal(decide(trust({ AWS: '*' }), assume('arn:aws:iam::999999999999:role/x')), 'allow');
  assert.equal(decide(trust('*'), assume(undefined)), 'allow', 'even an anonymous caller');
});

test('trust policy: an account id is that account root, which covers every principal of the account', () => {
  for (const p of ['123456789012', 'arn:aws:iam::123456789012:root']) {
    assert.equal(decide(trust({ AWS: p }), assume('arn:aws:iam::123456789012:root')), 'allow', p);
    assert.equal(decide(trust({ AWS: p }), assume('123456789012')), 'allow', p);
    assert.equal(decide(trust({ AWS: p }), assume('arn:aws:iam::123456789012:role/ci')), 'allow', p);
    assert.equal(decide(trust({ AWS: p }), assume('arn:aws:sts::123456789012:assumed-role/ci/session')), 'allow', p);
    assert.equal(decide(trust({ AWS: p }), assume('arn:aws:iam::999999999999:root')), 'implicit-deny', p);
  }
});

test('trust policy: a role ARN trusts that role (and its sessions), not the account root or other roles', () => {
  const st = trust({ AWS: 'arn:aws:iam::123456789012:role/ci' });
  assert.equal(decide(st, assume('arn:aws:iam::123456789012:role/ci')), 'allow');
  assert.equal(decide(st, assume('arn:aws:sts::123456789012:assumed-role/ci/build-42')), 'allow');
  assert.equal(decide(st, assume('arn:aws:iam::123456789012:root')), 'implicit-deny');
  assert.equal(decide(st, assume('arn:aws:iam::123456789012:role/other')), 'implicit-deny');
  const v = verdict(st, assume('arn:aws:iam::123456789012:role/other'));
  assert.match(v.explanation, /Statement\[0\] \("Trust"\), covers sts:AssumeRole but its Principal does not include arn:aws:iam::123456789012:role\/other/);
  assert.equal(decide(st, assume(undefined)), 'implicit-deny', 'no caller, no match');
});

test('trust policy: Service principals', () => {
  const st = trust({ Service: ['glue.amazonaws.com', 'lambda.amazonaws.com'] });
  assert.equal(decide(st, assume('lambda.amazonaws.com')), 'allow');
  assert.equal(decide(st, assume('ec2.amazonaws.com')), 'implicit-deny');
  assert.equal(decide(st, assume('arn:aws:iam::123456789012:root')), 'implicit-deny');
});

test('trust policy: Stripe shape with sts:ExternalId', () => {
  const st = trust({ AWS: 'arn:aws:iam::550000000000:root' }, { Condition: { StringEquals: { 'sts:ExternalId': 'acct_1Nv0FG' } } });
  const stripe = 'arn:aws:iam::550000000000:role/stripe-data-pipeline';
  assert.equal(decide(st, assume(stripe, { 'sts:ExternalId': 'acct_1Nv0FG' })), 'allow');
  assert.equal(decide(st, assume(stripe, { 'sts:ExternalId': 'acct_other' })), 'implicit-deny');
  assert.equal(decide(st, assume(stripe)), 'implicit-deny');
});

test('trust policy: NotPrincipal in a Deny denies everyone else', () => {
  const policy = [trust('*'), { Sid: 'OnlyCi', Effect: 'Deny', NotPrincipal: { AWS: 'arn:aws:iam::123456789012:role/ci' }, Action: 'sts:AssumeRole' }];
  assert.equal(decide(policy, assume('arn:aws:iam::123456789012:role/ci')), 'allow');
  const v = verdict(policy, assume('arn:aws:iam::123456789012:role/dev'));
  assert.equal(v.decision, 'explicit-deny');
  assert.match(v.explanation, /"OnlyCi".*is not in its NotPrincipal/);
});

test('statementMatches answers for one statement, ignoring its effect', () => {
  const m = model({ Version: '2012-10-17', Statement: [{ Effect: 'Deny', Action: 's3:*', Resource: 'arn:aws:s3:::acme/*', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }] });
  assert.equal(statementMatches(m.statements[0], { action: 's3:GetObject', resource: OBJ, context: { 'aws:SecureTransport': false } }), true);
  assert.equal(statementMatches(m.statements[0], { action: 's3:GetObject', resource: OBJ, context: { 'aws:SecureTransport': true } }), false);
  assert.equal(statementMatches(m.statements[0], { action: 's3:GetObject', resource: 'arn:aws:s3:::acme' }), false);
});

// ---------------------------------------------------------------------------------------------------------
// ARNs

test('parseArn splits the six components, keeping colons in the resource', () => {
  assert.deepEqual(parseArn('arn:aws:s3:::acme/x.csv'), { partition: 'aws', service: 's3', region: '', account: '', resource: 'acme/x.csv' });
  assert.deepEqual(parseArn('arn:aws:logs:us-east-1:123456789012:log-group:/aws/x:*'), {
    partition: 'aws',
    service: 'logs',
    region: 'us-east-1',
    account: '123456789012',
    resource: 'log-group:/aws/x:*',
  });
  assert.equal(parseArn('arn:aws:s3::'), undefined);
  assert.equal(parseArn('s3://acme/x'), undefined);
  assert.equal(parseArn('arn::s3:::acme'), undefined);
});

test('arnMatches and arnLike', () => {
  assert.ok(arnMatches('arn:aws:s3:::acme/*', 'arn:aws:s3:::acme/a/b'));
  assert.ok(!arnMatches('arn:aws:s3:::acme/*', 'arn:aws:s3:::acme'));
  assert.ok(arnMatches('arn:aws:s3:::acme/???.csv', 'arn:aws:s3:::acme/abc.csv'));
  assert.ok(!arnMatches('arn:aws:s3:::acme/???.csv', 'arn:aws:s3:::acme/ab.csv'));
  assert.ok(arnMatches('*', 'anything'));
  assert.ok(arnMatches('arn:aws:s3:::a*b*c', 'arn:aws:s3:::axxbyyc'));
  assert.ok(!arnMatches('arn:aws:s3:::a*b*c', 'arn:aws:s3:::axxbyyd'));
  assert.ok(arnLike('arn:aws:iam::*:role/*', 'arn:aws:iam::123456789012:role/x'));
  assert.ok(!arnLike('arn:aws:iam::*:role/*', 'arn:aws:sts::123456789012:assumed-role/x/y'));
  assert.ok(!arnLike('arn:aws:*', 'arn:aws:iam::123456789012:role/x'), 'ArnLike compares six components: a short pattern is no ARN');
});
