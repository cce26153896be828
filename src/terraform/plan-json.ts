/**
 * The shape of `terraform show -json <planfile>` as plan review reads it (the fields we read; everything else
 * passes through untouched). Plain types: no terraform, no cdktf. The pipeline's redaction and state readers
 * (`src/pipeline/terraform-json.ts`) build on these.
 */

export type TfAction = 'no-op' | 'create' | 'read' | 'update' | 'delete' | 'forget';

export interface TfResourceChange {
  readonly address: string;
  readonly mode?: string;
  readonly type: string;
  readonly name: string;
  readonly change: {
    readonly actions: readonly TfAction[];
    readonly before: Record<string, unknown> | null;
    readonly after: Record<string, unknown> | null;
    readonly before_sensitive?: unknown;
    readonly after_sensitive?: unknown;
    readonly after_unknown?: unknown;
    readonly replace_paths?: readonly (readonly (string | number)[])[];
  };
  readonly action_reason?: string;
}

export interface TfModuleValues {
  readonly resources?: readonly {
    readonly address: string;
    readonly mode?: string;
    readonly type: string;
    readonly name: string;
    readonly values?: Record<string, unknown>;
    readonly sensitive_values?: unknown;
  }[];
  readonly child_modules?: readonly TfModuleValues[];
}

/** `terraform show -json <planfile>` (the fields we read; everything else passes through untouched). */
export interface TfPlan {
  readonly format_version?: string;
  readonly terraform_version?: string;
  readonly variables?: Record<string, { readonly value?: unknown }>;
  readonly resource_changes?: readonly TfResourceChange[];
  readonly planned_values?: { readonly root_module?: TfModuleValues };
  readonly prior_state?: { readonly values?: { readonly root_module?: TfModuleValues } };
  readonly configuration?: {
    readonly root_module?: { readonly variables?: Record<string, { readonly sensitive?: boolean }> };
  };
  readonly errored?: boolean;
  readonly [key: string]: unknown;
}

/** What redaction puts in place of a sensitive value. */
export const SENSITIVE = '(sensitive)';
