import { Construct } from 'constructs';
import { dependable, TerraformResource, type TerraformProvider } from 'cdktf';
import type { AclBinding } from '../acl';
import { PrincipalAcls } from './principal-acls';
import { ScramPrincipal } from './scram-principal';

export interface OperatorPrincipalProps {
  /** `platform-deployer` or `platform-planner` (src/platform/identities.ts). */
  readonly username: string;
  /** `operatorAcls` of src/acl/derive.ts. */
  readonly bindings: readonly AclBinding[];
  /** The cluster's provider, when it is not the stack's default one. */
  readonly provider?: TerraformProvider;
}

/**
 * An operator principal on one cluster: its SCRAM credential (password from the secret source, the same on every
 * cluster) and its ACLs, created after the credential. No quota: operators send a handful of admin requests per
 * run. The construct id is `<cluster>/<username>`-like, so each cluster's resources have their own addresses.
 */
export class OperatorPrincipal extends Construct {
  constructor(scope: Construct, id: string, props: OperatorPrincipalProps) {
    super(scope, id);
    const scram = new ScramPrincipal(this, 'scram', { username: props.username });
    const acls = new PrincipalAcls(this, 'acls', { bindings: props.bindings, operator: true });
    for (const acl of acls.acls) acl.dependsOn = [dependable(scram.credential)];
    if (props.provider) {
      for (const c of this.node.findAll()) if (c instanceof TerraformResource) c.provider = props.provider;
    }
  }
}
