import { Construct } from 'constructs';
import { dependable } from 'cdktf';
import type { PrincipalModel } from '../model/types';
import { PrincipalAcls } from './principal-acls';
import { PrincipalQuota } from './principal-quota';
import { ScramPrincipal } from './scram-principal';

export interface TenantPrincipalProps {
  /** The resolved principal: username, ACL bindings and quota. */
  readonly principal: PrincipalModel;
}

/**
 * One application's identity: quota, SCRAM credential and ACLs, chained so that Terraform creates them in
 * that order and destroys them in the reverse one. Creating the quota first means the principal is never
 * authenticated and unthrottled; destroying the ACLs first (then the credential, then the quota) means a
 * principal being removed loses access before anything else — also when a plain apply tears it down.
 * The construct id is the username, so the plan never depends on list positions.
 */
export class TenantPrincipal extends Construct {
  readonly scram: ScramPrincipal;
  readonly acls: PrincipalAcls;
  readonly quota: PrincipalQuota;

  constructor(scope: Construct, id: string, props: TenantPrincipalProps) {
    super(scope, id);
    const p = props.principal;
    this.quota = new PrincipalQuota(this, 'quota', { username: p.username, quota: p.quota });
    this.scram = new ScramPrincipal(this, 'scram', { username: p.username });
    this.scram.credential.dependsOn = [dependable(this.quota.resource)];
    this.acls = new PrincipalAcls(this, 'acls', { bindings: p.acls });
    for (const acl of this.acls.acls) acl.dependsOn = [dependable(this.scram.credential)];
  }
}
