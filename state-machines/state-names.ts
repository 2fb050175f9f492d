/**
 * Step Functions state names, shared by the definition's tests, the local runner and the CDK app.
 * Renaming one here without renaming it in provision.asl.json fails the definition tests.
 */
export const STATE = {
  validate: 'Validate Cluster',
  generateAssets: 'Generate Assets',
  encryptAssets: 'Encrypt Assets',
  renderStack: 'Render Stack',
  startApply: 'Start Apply',
  applyFinished: 'Apply Finished',
  waitForStack: 'Wait For Stack',
  checkApply: 'Check Apply',
  recordResult: 'Record Result',
  recordFailure: 'Record Failure',
  runFailed: 'Run Failed',
} as const;

export type StateName = (typeof STATE)[keyof typeof STATE];

/** The Task states and the function that serves each, named as in `functions/<name>/`. */
export const TASK_FUNCTIONS = {
  [STATE.validate]: 'validate',
  [STATE.generateAssets]: 'generate-assets',
  [STATE.encryptAssets]: 'encrypt',
  [STATE.renderStack]: 'render',
  [STATE.startApply]: 'apply',
  [STATE.checkApply]: 'apply',
  [STATE.recordResult]: 'record',
  [STATE.recordFailure]: 'record',
} as const satisfies Partial<Record<StateName, string>>;

/** Substitution variable in the ASL file for each function's ARN, e.g. `${ValidateFunctionArn}`. */
export const FUNCTION_ARN_VARIABLES = {
  validate: 'ValidateFunctionArn',
  'generate-assets': 'GenerateAssetsFunctionArn',
  encrypt: 'EncryptFunctionArn',
  render: 'RenderFunctionArn',
  apply: 'ApplyFunctionArn',
  record: 'RecordFunctionArn',
} as const;
