// Collects every IAM role the deployment grants (Terraform IAM resources and the gcloud scripts Terraform runs) and
// flags the ones this project never grants: primitive roles anywhere, admin roles at project scope.
import type { TerraformConfig } from './terraform-config';

/** One role grant: where it is declared, the role, and whether it applies to the whole project. */
export interface Grant {
  source: string;
  role: string;
  scope: 'project' | 'resource';
  /** The member expression as written, e.g. `serviceAccount:${google_service_account.build.email}`. */
  member?: string;
}

const IAM_RESOURCE = /_iam_(member|binding)$/;
const PROJECT_IAM = /^google_project_iam_(member|binding)$/;

/** Grants declared as `*_iam_member` / `*_iam_binding` resources. Authoritative `*_iam_policy` is not used here. */
export function terraformGrants(config: TerraformConfig): Grant[] {
  return config
    .resources()
    .filter((r) => IAM_RESOURCE.test(r.type))
    .map((r) => {
      const role = r.body.role;
      if (typeof role !== 'string') throw new Error(`${r.address}: role is not a literal string`);
      const member = typeof r.body.member === 'string' ? r.body.member : undefined;
      return { source: r.address, role, scope: PROJECT_IAM.test(r.type) ? 'project' : 'resource', member };
    });
}

/**
 * Grants made by a shell script through `gcloud ... add-iam-policy-binding --role=...`. A `gcloud projects`
 * binding counts as project scope; any other (subscriptions, topics, service accounts) as resource scope.
 */
export function scriptGrants(source: string, text: string): Grant[] {
  const grants: Grant[] = [];
  const commands = text.replace(/\\\n/g, ' ').split('\n');
  for (const command of commands) {
    if (!/add-iam-policy-binding/.test(command)) continue;
    const role = /--role[= ]"?(roles\/[A-Za-z0-9._]+)/.exec(command)?.[1];
    if (role === undefined) throw new Error(`${source}: add-iam-policy-binding without a literal --role`);
    const member = /--member[= ]"?([^\s"]+)/.exec(command)?.[1];
    grants.push({ source, role, scope: /gcloud\s+projects\s/.test(command) ? 'project' : 'resource', member });
  }
  return grants;
}

const PRIMITIVE = new Set(['roles/owner', 'roles/editor', 'roles/viewer']);

/** The grants that break the project's IAM rules, each with the reason. */
export function forbiddenGrants(grants: readonly Grant[]): { grant: Grant; reason: string }[] {
  const bad: { grant: Grant; reason: string }[] = [];
  for (const grant of grants) {
    if (PRIMITIVE.has(grant.role)) bad.push({ grant, reason: 'primitive role' });
    else if (grant.scope === 'project' && /admin/i.test(grant.role))
      bad.push({ grant, reason: 'project-wide admin role' });
  }
  return bad;
}

/** Stable one-line-per-grant listing, used as the reviewed snapshot. */
export function describeGrants(grants: readonly Grant[]): string {
  return (
    grants
      .map((g) => `${g.role} (${g.scope}) ${g.source} -> ${g.member ?? '?'}`)
      .sort()
      .join('\n') + '\n'
  );
}
