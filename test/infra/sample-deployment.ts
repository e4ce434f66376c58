// The deployment the cross-checks evaluate Terraform for: terraform.tfvars.example's inputs (everything else at its
// default), with sample content hashes standing in for the archive hashes Terraform computes from the files.
import type { Sample } from './terraform-eval';

export const SAMPLE: Sample = {
  vars: { project_id: 'my-project-id', region: 'us-central1' },
  locals: { trainer_source_hash: '0123456789abcdef', function_source_hash: 'fedcba9876543210' },
};
