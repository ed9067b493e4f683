/** The live role check, shared by `pipewright iam check` and the editor command: fetch the role, judge it offline. */
import type { ParsedDocument } from '../../engine';
import { judgeRole, roleNameOf, type LiveReport } from '../../engine/iam/live';
import { createIamClient } from './clients';
import { fetchRolePolicies } from './iam-role';

export interface RoleCheckResult extends LiveReport {
  attached: number;
  inline: number;
}

export async function checkRole(pipeline: ParsedDocument, options: { endpoint?: string; profile?: string; signal?: AbortSignal } = {}): Promise<RoleCheckResult> {
  const role = roleNameOf(pipeline);
  if ('error' in role) throw new Error(role.error);
  // The SDK's Node 20 notice is not for our users: Pipewright pins an SDK version that supports Node 20.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  const fetched = await fetchRolePolicies(createIamClient({ profile: options.profile, endpoint: options.endpoint }), role.roleName, { signal: options.signal });
  const report = judgeRole(pipeline, {
    roleName: fetched.roleName,
    roleArn: fetched.roleArn,
    trustPolicyText: fetched.trustPolicyText,
    policies: [...fetched.attached, ...fetched.inline].map((p) => ({ name: p.name, text: p.text })),
  });
  return { ...report, attached: fetched.attached.length, inline: fetched.inline.length };
}
