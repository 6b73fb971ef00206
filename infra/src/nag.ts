// cdk-nag is CommonJS whose named exports Node's ESM loader cannot detect; re-export them once.
import cdkNag from 'cdk-nag';

export const { NagSuppressions, AwsSolutionsChecks } = cdkNag;
