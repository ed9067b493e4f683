/**
 * Reading a live IAM role (server/src/node/aws/iam-role.ts) through the real AWS SDK against moto_server, a local
 * AWS started and stopped by this file (test/helpers/moto.ts). Nothing here reaches AWS or reads ~/.aws.
 */
import { after, before, beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  AttachRolePolicyCommand,
  CreateAccessKeyCommand,
  CreatePolicyCommand,
  CreateRoleCommand,
  CreateUserCommand,
  IAMClient,
  PutRolePolicyCommand,
  PutUserPolicyCommand,
  type ListRolePoliciesCommandInput,
  type ListRolePoliciesCommandOutput,
} from '@aws-sdk/client-iam';
import { withEnv } from '../helpers/env';
import { clientConfig, freePort, resetMoto, startMoto, type MotoServer } from '../helpers/moto';
import { createIamClient } from '../../server/src/node/aws/clients';
import {
  AwsCallError,
  RoleNotFoundError,
  decodePolicyDocument,
  describeAwsError,
  fetchRolePolicies,
} from '../../server/src/node/aws/iam-role';

/** moto's fixed account id. */
const ACCOUNT = '123456789012';
const ROLE = 'stripe-data-pipeline-s3-role';

const trustPolicy = {
  Version: '2012-10-17',
  Statement: [
    {
      Sid: 'StripeDataPipelineAssumeRole',
      Effect: 'Allow',
      Principal: { AWS: 'arn:aws:iam::731954892063:root' },
      Action: 'sts:AssumeRole',
      Condition: { StringEquals: { 'sts:ExternalId': 'acct_1Nv0FGQ9RKHgCVdK' } },
    },
  ],
};

const managedPolicy = {
  Version: '2012-10-17',
  Statement: [
    {
      Sid: 'StripeDataPipelineBucket',
      Effect: 'Allow',
      Action: ['s3:ListBucket', 's3:GetBucketLocation'],
      Resource: 'arn:aws:s3:::acme-stripe-data',
      // A literal % (and %41, which a blind decodeURIComponent would turn into "A").
      Condition: { StringLike: { 's3:prefix': ['exports/100%/*', 'exports/%41/*'] } },
    },
    {
      Sid: 'StripeDataPipelineObjects',
      Effect: 'Allow',
      Action: ['s3:PutObject', 's3:GetObject'],
      Resource: 'arn:aws:s3:::acme-stripe-data/*',
    },
  ],
};

/** Every character IAM's URL encoding touches: / * : $ { } spaces, +, &, =, ?, #, quotes, a literal %. */
const inlinePolicy = {
  Version: '2012-10-17',
  Statement: [
    {
      Sid: 'HomeFolder',
      Effect: 'Allow',
      Action: ['s3:GetObject', 's3:PutObject'],
      Resource: 'arn:aws:s3:::acme-stripe-data/home/${aws:username}/*',
      Condition: {
        StringEquals: { 's3:x-amz-meta-team': 'data eng + finance & ops = "Q?#1" 50%' },
        IpAddress: { 'aws:SourceIp': '203.0.113.0/24' },
      },
    },
  ],
};

let moto: MotoServer;
let iam: IAMClient;

before(async () => {
  const t0 = performance.now();
  moto = await startMoto();
  console.log(`# moto_server answered after ${Math.round(performance.now() - t0)} ms on ${moto.endpoint}`);
  iam = new IAMClient(clientConfig(moto.endpoint));
});

after(async () => {
  iam?.destroy();
  await moto?.stop();
});

beforeEach(async () => {
  await resetMoto(moto.endpoint);
});

async function createRole(name = ROLE, trust: unknown = trustPolicy, indent = 2): Promise<void> {
  await iam.send(new CreateRoleCommand({ RoleName: name, AssumeRolePolicyDocument: JSON.stringify(trust, null, indent) }));
}

async function attachNewPolicy(role: string, name: string, document: unknown): Promise<string> {
  const created = await iam.send(new CreatePolicyCommand({ PolicyName: name, PolicyDocument: JSON.stringify(document) }));
  const arn = created.Policy!.Arn!;
  await iam.send(new AttachRolePolicyCommand({ RoleName: role, PolicyArn: arn }));
  return arn;
}

/** Records the command name of every call a client makes. */
function countCalls(client: IAMClient): Map<string, number> {
  const calls = new Map<string, number>();
  client.middlewareStack.add(
    (next, context) => async (args) => {
      calls.set(context.commandName!, (calls.get(context.commandName!) ?? 0) + 1);
      return next(args);
    },
    { step: 'initialize', name: 'countCalls' },
  );
  return calls;
}

describe('fetchRolePolicies against moto', () => {
  test('returns the trust policy, the attached managed policy and the inline policy exactly as they were put', async () => {
    await createRole();
    const arn = await attachNewPolicy(ROLE, 'stripe-data-pipeline-s3', managedPolicy);
    await iam.send(
      new PutRolePolicyCommand({ RoleName: ROLE, PolicyName: 'home-folder', PolicyDocument: JSON.stringify(inlinePolicy) }),
    );

    const got = await fetchRolePolicies(iam, ROLE);

    assert.equal(got.roleName, ROLE);
    assert.equal(got.roleArn, `arn:aws:iam::${ACCOUNT}:role/${ROLE}`);
    assert.deepEqual(got.trustPolicy, trustPolicy);
    assert.equal(got.trustPolicyText, JSON.stringify(trustPolicy, null, 2), 'the text keeps the layout it was put with');
    assert.deepEqual(got.attached, [
      { name: 'stripe-data-pipeline-s3', arn, text: JSON.stringify(managedPolicy), document: managedPolicy },
    ]);
    assert.deepEqual(got.inline, [{ name: 'home-folder', text: JSON.stringify(inlinePolicy), document: inlinePolicy }]);
  });

  test('a role with no permission policies has empty lists', async () => {
    await createRole();
    const got = await fetchRolePolicies(iam, ROLE);
    assert.deepEqual(got.attached, []);
    assert.deepEqual(got.inline, []);
  });

  test('reads every page of attached policies (12 policies, pages of 5)', async () => {
    await createRole();
    const arns: string[] = [];
    for (let i = 0; i < 12; i++) {
      const name = `managed-${String(i).padStart(2, '0')}`;
      arns.push(await attachNewPolicy(ROLE, name, { ...managedPolicy, Id: name }));
    }
    const client = new IAMClient(clientConfig(moto.endpoint));
    const calls = countCalls(client);
    try {
      const got = await fetchRolePolicies(client, ROLE, { pageSize: 5 });
      assert.deepEqual(got.attached.map((p) => p.arn).sort(), arns.sort());
      for (const p of got.attached) assert.deepEqual(p.document, { ...managedPolicy, Id: p.name });
      assert.equal(calls.get('ListAttachedRolePoliciesCommand'), 3, 'moto pages ListAttachedRolePolicies by MaxItems');
      assert.equal(calls.get('GetPolicyCommand'), 12);
      assert.equal(calls.get('GetPolicyVersionCommand'), 12);
    } finally {
      client.destroy();
    }
  });

  test('reads every page of inline policies (12 policies, pages of 5)', async () => {
    await createRole();
    const names: string[] = [];
    for (let i = 0; i < 12; i++) {
      const name = `inline-${String(i).padStart(2, '0')}`;
      names.push(name);
      const document = { ...inlinePolicy, Id: name };
      await iam.send(new PutRolePolicyCommand({ RoleName: ROLE, PolicyName: name, PolicyDocument: JSON.stringify(document) }));
    }
    const client = new IAMClient(clientConfig(moto.endpoint));
    const calls = countCalls(client);
    // moto 5 ignores MaxItems and Marker on ListRolePolicies (it always answers every name, IsTruncated false), so
    // page its answer here the way IAM does — MaxItems names, IsTruncated, an opaque Marker — to exercise our loop.
    const markersSeen: Array<string | undefined> = [];
    client.middlewareStack.add(
      (next, context) => async (args) => {
        if (context.commandName !== 'ListRolePoliciesCommand') return next(args);
        const input = args.input as ListRolePoliciesCommandInput;
        markersSeen.push(input.Marker);
        const result = await next(args);
        const out = result.output as ListRolePoliciesCommandOutput;
        const all = out.PolicyNames ?? [];
        const start = input.Marker ? Number(input.Marker.replace('opaque-', '')) : 0;
        const end = start + (input.MaxItems ?? 100);
        out.PolicyNames = all.slice(start, end);
        out.IsTruncated = end < all.length;
        out.Marker = out.IsTruncated ? `opaque-${end}` : undefined;
        return result;
      },
      { step: 'initialize', name: 'emulateIamPaging', priority: 'low' },
    );
    try {
      const got = await fetchRolePolicies(client, ROLE, { pageSize: 5 });
      assert.deepEqual(got.inline.map((p) => p.name), names);
      for (const p of got.inline) assert.deepEqual(p.document, { ...inlinePolicy, Id: p.name });
      assert.equal(calls.get('ListRolePoliciesCommand'), 3);
      assert.equal(calls.get('GetRolePolicyCommand'), 12);
      assert.deepEqual(markersSeen, [undefined, 'opaque-5', 'opaque-10'], 'each call passes the previous Marker');
    } finally {
      client.destroy();
    }
  });

  test('a missing role is a RoleNotFoundError that names the role and account and says what to do', async () => {
    const e = await fetchRolePolicies(iam, ROLE).then(
      () => assert.fail('expected a RoleNotFoundError'),
      (e: unknown) => e,
    );
    assert.ok(e instanceof RoleNotFoundError, String(e));
    assert.equal(e.roleName, ROLE);
    assert.equal(e.accountId, ACCOUNT, 'the account comes from sts:GetCallerIdentity');
    assert.equal(
      e.message,
      `IAM role ${ROLE} does not exist in account ${ACCOUNT}: create it (pipewright iam generate writes its policies)`,
    );
    assert.equal(describeAwsError(e, 'iam:GetRole'), e.message);
  });

  test('AccessDenied and an unknown access key are described with what to check', async () => {
    await createRole();
    await iam.send(new CreateUserCommand({ UserName: 'auditor' }));
    const key = (await iam.send(new CreateAccessKeyCommand({ UserName: 'auditor' }))).AccessKey!;
    await iam.send(
      new PutUserPolicyCommand({
        UserName: 'auditor',
        PolicyName: 'list-only',
        PolicyDocument: JSON.stringify({
          Version: '2012-10-17',
          Statement: [{ Effect: 'Allow', Action: 'iam:ListRoles', Resource: '*' }],
        }),
      }),
    );
    const auditor = new IAMClient({
      ...clientConfig(moto.endpoint),
      credentials: { accessKeyId: key.AccessKeyId!, secretAccessKey: key.SecretAccessKey! },
    });
    // Turn moto's IAM authorization on (off by default: it accepts any key), and off again whatever happens.
    await setMotoAuth(moto.endpoint, '0');
    try {
      const denied = await fetchRolePolicies(auditor, ROLE).catch((e: unknown) => e);
      assert.ok(denied instanceof AwsCallError, String(denied));
      assert.equal(denied.code, 'AccessDenied');
      assert.equal(denied.operation, 'iam:GetRole');
      assert.match(denied.message, /^AccessDenied on iam:GetRole for role stripe-data-pipeline-s3-role: the credentials in use lack it/);
      assert.match(denied.message, /user\/auditor/, 'AWS names the identity that lacks the permission');
      assert.ok(!denied.message.includes(key.SecretAccessKey!));

      const unknown = await fetchRolePolicies(iam, ROLE).catch((e: unknown) => e); // key "testing" does not exist
      assert.ok(unknown instanceof AwsCallError, String(unknown));
      assert.equal(unknown.code, 'InvalidClientTokenId');
      assert.match(unknown.message, /^InvalidClientTokenId on iam:GetRole .*check which credentials are picked up/);
    } finally {
      await setMotoAuth(moto.endpoint, 'inf');
      auditor.destroy();
    }
  });

  test('an aborted signal stops the reading', async () => {
    await createRole();
    const controller = new AbortController();
    controller.abort();
    await assert.rejects(fetchRolePolicies(iam, ROLE, { signal: controller.signal }), { name: 'AbortError' });
  });
});

describe('a wrong endpoint', () => {
  test('a closed port fails within seconds, naming the endpoint and what to check', async () => {
    const port = await freePort(); // free: nothing listens there
    const endpoint = `http://127.0.0.1:${port}`;
    const client = new IAMClient({ ...clientConfig(endpoint), maxAttempts: 1, requestHandler: { connectionTimeout: 2_000 } });
    const started = performance.now();
    try {
      const e = await fetchRolePolicies(client, ROLE).catch((e: unknown) => e);
      assert.ok(performance.now() - started < 5_000, 'fails fast');
      assert.ok(e instanceof AwsCallError, String(e));
      assert.equal(e.code, 'ECONNREFUSED');
      assert.match(e.message, new RegExp(`^could not reach ${endpoint} for iam:GetRole for role ${ROLE} \\(ECONNREFUSED\\)`));
      assert.match(e.message, /is it running on that port\?/);
      assert.match(e.message, /AWS_ENDPOINT_URL_IAM/);

      // describeAwsError on the SDK's own error names the host and port it could not reach.
      const text = describeAwsError(e.cause, `iam:GetRole for arn:aws:iam::${ACCOUNT}:role/${ROLE}`);
      assert.match(text, new RegExp(`^could not reach 127\\.0\\.0\\.1:${port} for iam:GetRole for arn:aws:iam::${ACCOUNT}:role/${ROLE}`));
      assert.match(text, /check the endpoint setting/);
    } finally {
      client.destroy();
    }
  });

  test('createIamClient with a closed port gives the same advice', async () => {
    const endpoint = `http://127.0.0.1:${await freePort()}`;
    const client = createIamClient({ endpoint, maxAttempts: 1 });
    try {
      const e = await fetchRolePolicies(client, ROLE).catch((e: unknown) => e);
      assert.ok(e instanceof AwsCallError, String(e));
      assert.match(e.message, new RegExp(`^could not reach ${endpoint} `));
    } finally {
      client.destroy();
    }
  });
});

describe('createIamClient', () => {
  test('honours AWS_ENDPOINT_URL_IAM, then AWS_ENDPOINT_URL; an explicit endpoint wins over both', async () => {
    await createRole();
    const closed = `http://127.0.0.1:${await freePort()}`;
    await withEnv({ AWS_ENDPOINT_URL_IAM: moto.endpoint, AWS_ENDPOINT_URL: closed }, async () => {
      const client = createIamClient({ maxAttempts: 1 });
      assert.equal((await fetchRolePolicies(client, ROLE)).roleName, ROLE);
      client.destroy();
    });
    await withEnv({ AWS_ENDPOINT_URL: moto.endpoint }, async () => {
      const client = createIamClient({ maxAttempts: 1 });
      assert.equal((await fetchRolePolicies(client, ROLE)).roleName, ROLE);
      client.destroy();
    });
    await withEnv({ AWS_ENDPOINT_URL_IAM: closed }, async () => {
      const client = createIamClient({ endpoint: moto.endpoint, maxAttempts: 1 });
      assert.equal((await fetchRolePolicies(client, ROLE)).roleName, ROLE);
      client.destroy();
    });
  });

  test('region: the option, else AWS_REGION, else us-east-1', async () => {
    assert.equal(await createIamClient({ region: 'eu-west-3' }).config.region(), 'eu-west-3');
    await withEnv({ AWS_REGION: 'ap-southeast-2' }, async () => {
      assert.equal(await createIamClient({}).config.region(), 'ap-southeast-2');
    });
    await withEnv({ AWS_REGION: undefined }, async () => {
      assert.equal(await createIamClient({}).config.region(), 'us-east-1');
    });
  });

  test('profile: credentials and region come from that profile of the AWS config files', async () => {
    await createRole();
    const dir = mkdtempSync(join(tmpdir(), 'pipewright-aws-'));
    try {
      writeFileSync(join(dir, 'config'), '[profile pipewright-test]\nregion = eu-north-1\n');
      writeFileSync(
        join(dir, 'credentials'),
        '[pipewright-test]\naws_access_key_id = AKIAPIPEWRIGHTTEST01\naws_secret_access_key = profile-secret\n',
      );
      await withEnv(
        {
          AWS_CONFIG_FILE: join(dir, 'config'),
          AWS_SHARED_CREDENTIALS_FILE: join(dir, 'credentials'),
          AWS_ACCESS_KEY_ID: undefined,
          AWS_SECRET_ACCESS_KEY: undefined,
          AWS_REGION: undefined,
        },
        async () => {
          const client = createIamClient({ profile: 'pipewright-test', endpoint: moto.endpoint });
          assert.equal(await client.config.region(), 'eu-north-1');
          assert.equal((await client.config.credentials()).accessKeyId, 'AKIAPIPEWRIGHTTEST01');
          assert.equal((await fetchRolePolicies(client, ROLE)).roleName, ROLE);
          client.destroy();
        },
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('describeAwsError and decodePolicyDocument', () => {
  test('expired session credentials get refresh advice; no secret is ever shown', () => {
    const expired = Object.assign(new Error('The security token included in the request is expired'), {
      name: 'ExpiredToken',
      Code: 'ExpiredToken',
    });
    assert.match(describeAwsError(expired, 'iam:GetRole for role x'), /^ExpiredToken on iam:GetRole for role x: .*aws sso login/);
    const leaky = Object.assign(
      new Error('bad request for AKIAIOSFODNN7EXAMPLE with wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY'),
      { name: 'Weird', Code: 'Weird' },
    );
    const text = describeAwsError(leaky, 'iam:GetRole for role x');
    assert.ok(!text.includes('AKIAIOSFODNN7EXAMPLE') && !text.includes('wJalrXUtnFEMI'), text);
  });

  test('an endpoint that is a web server, not AWS, is named as such', () => {
    const e = Object.assign(new Error('Unknown'), { name: 'NotFound', $metadata: { httpStatusCode: 404 } });
    assert.equal(
      describeAwsError(e, 'iam:GetRole for role x', { endpoint: 'http://localhost:8080' }),
      'http://localhost:8080 answered HTTP 404 to iam:GetRole for role x, which is not an AWS IAM answer — check the endpoint setting (--endpoint, AWS_ENDPOINT_URL_IAM, AWS_ENDPOINT_URL, endpoint_url in the AWS profile; unset them all to use AWS itself)',
    );
  });

  test('policy documents: URL-encoded ones are decoded, already-decoded ones are kept as they are', () => {
    const text = JSON.stringify(inlinePolicy);
    assert.equal(decodePolicyDocument(encodeURIComponent(text)), text);
    assert.equal(decodePolicyDocument(text), text, 'a literal % is not decoded a second time');
    assert.equal(decodePolicyDocument(`  ${text}`), `  ${text}`);
  });
});

async function setMotoAuth(endpoint: string, initialNoAuthActionCount: string): Promise<void> {
  const res = await fetch(`${endpoint}/moto-api/reset-auth`, { method: 'POST', body: initialNoAuthActionCount });
  assert.equal(res.status, 200, await res.text());
}

