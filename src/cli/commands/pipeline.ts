/** The pull-request workflow commands, registered by the CLI in one line. */
import type { Command } from 'commander';
import { affectedCommand } from './affected';
import { decommissionCommand } from './decommission';
import { planCommand } from './plan';
import { planReviewCommand } from './plan-review';

export function pipelineCommands(): Command[] {
  return [affectedCommand(), planCommand(), planReviewCommand(), decommissionCommand()];
}
