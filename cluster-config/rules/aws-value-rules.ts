import { formatReceived } from '../describe-schema-issue.ts';
import type { ConfigPath } from '../yaml-source.ts';
import { formatPath } from '../yaml-source.ts';
import type { RuleContext } from './rule-context.ts';

/** Free-form strings that reach EC2, CloudFormation or the nodes: what AWS or sshd would reject. */

/**
 * EC2 takes any ASCII in a key pair name; we also refuse control characters and `${`, which a
 * template's Fn::Sub would read as a reference.
 * https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_ImportKeyPair.html
 */
const KEY_NAME_PATTERN = /^[\x20-\x7e]{1,255}$/;
const MAX_KEY_NAME_LENGTH = 255;
/** `m5.large`, `m7i-flex.2xlarge`, `u-6tb1.metal`: a family, a dot, a size. */
const INSTANCE_TYPE_PATTERN = /^[a-z][a-z0-9-]*\.[a-z0-9]+$/;
const MAX_INSTANCE_TYPE_LENGTH = 64;
const SSH_KEY_TYPES = [
  'ssh-rsa',
  'ssh-ed25519',
  'ecdsa-sha2-nistp256',
  'ecdsa-sha2-nistp384',
  'ecdsa-sha2-nistp521',
  'sk-ssh-ed25519@openssh.com',
  'sk-ecdsa-sha2-nistp256@openssh.com',
];
/** One authorized_keys line without options: type, base64 key, optional comment. */
const SSH_KEY_PATTERN = /^(\S+) +([A-Za-z0-9+/]+={0,2})( +[^\s].*)?$/;
/** A 16384-bit RSA key is under 3 KiB of base64; anything far longer is not a key. */
const MAX_SSH_KEY_LENGTH = 8192;
/** CloudFormation allows 50 stack tags; the deployer adds KubernetesCluster itself. */
const MAX_STACK_TAGS = 49;
const DEPLOYER_TAG = 'KubernetesCluster';
const CONTROL_CHARACTER = /[\p{Cc}\u2028\u2029]/u;

export function checkAwsValues(context: RuleContext): void {
  const { config } = context;
  checkKeyName(context, config.keyName);
  checkInstanceType(context, ['controllerInstanceType'], config.controllerInstanceType);
  checkInstanceType(context, ['workerInstanceType'], config.workerInstanceType);
  config.nodePools.forEach((pool, index) => {
    checkInstanceType(context, ['nodePools', index, 'instanceType'], pool.instanceType);
  });
  config.sshAuthorizedKeys.forEach((line, index) => {
    checkSshKey(context, ['sshAuthorizedKeys', index], line);
  });
  checkStackTags(context);
}

function checkKeyName(context: RuleContext, keyName: string): void {
  if (keyName === '') return;
  if (keyName.length > MAX_KEY_NAME_LENGTH) {
    context.error(
      'key-name-length',
      ['keyName'],
      `keyName must be at most ${MAX_KEY_NAME_LENGTH} characters (received ${keyName.length} characters)`,
    );
    return;
  }
  if (!KEY_NAME_PATTERN.test(keyName) || keyName.includes('${')) {
    context.error(
      'key-name-format',
      ['keyName'],
      `keyName must be printable ASCII without \${ (received ${formatReceived(keyName)}); use ` +
        'the name of the EC2 key pair as the EC2 console shows it',
    );
  }
}

function checkInstanceType(context: RuleContext, path: ConfigPath, type: string): void {
  if (type.length <= MAX_INSTANCE_TYPE_LENGTH && INSTANCE_TYPE_PATTERN.test(type)) return;
  context.error(
    'instance-type-format',
    path,
    `${formatPath(path)} must be an EC2 instance type such as m5.large, at most ` +
      `${MAX_INSTANCE_TYPE_LENGTH} characters (received ${formatReceived(type)})`,
  );
}

function checkSshKey(context: RuleContext, path: ConfigPath, line: string): void {
  const match = line.length <= MAX_SSH_KEY_LENGTH ? SSH_KEY_PATTERN.exec(line) : null;
  const valid =
    match !== null && SSH_KEY_TYPES.includes(match[1] ?? '') && !CONTROL_CHARACTER.test(line);
  if (valid) return;
  context.error(
    'ssh-key-format',
    path,
    `${formatPath(path)} must be one public key line such as ssh-ed25519 AAAAC3Nza... ` +
      'user@host, of type ssh-rsa, ssh-ed25519, ecdsa-sha2-nistp256/384/521 or sk-... ' +
      `(received ${formatReceived(line)}); copy the one line of the .pub file`,
  );
}

/** https://docs.aws.amazon.com/AWSCloudFormation/latest/APIReference/API_Tag.html */
function checkStackTags(context: RuleContext): void {
  const entries = Object.entries(context.config.stackTags);
  if (entries.length > MAX_STACK_TAGS) {
    context.error(
      'stack-tags-count',
      ['stackTags'],
      `stackTags must hold at most ${MAX_STACK_TAGS} tags, as CloudFormation allows 50 and ` +
        `the deployer adds ${DEPLOYER_TAG} (received ${entries.length})`,
    );
  }
  for (const [key, value] of entries) {
    const path = ['stackTags', key];
    const name = formatPath(path);
    if (key === DEPLOYER_TAG) {
      context.error(
        'stack-tag-reserved',
        path,
        `${name} must not be set: the deployer tags the stack with ${DEPLOYER_TAG} itself; ` +
          'remove the tag',
      );
    } else if (key.toLowerCase().startsWith('aws:')) {
      context.error('stack-tag-key', path, `${name} must not start with aws:, which AWS reserves`);
    } else if (key.length < 1 || key.length > 128) {
      context.error(
        'stack-tag-key',
        path,
        `${name} must have a key of 1 to 128 characters (received ${key.length} characters)`,
      );
    } else if (CONTROL_CHARACTER.test(key)) {
      context.error(
        'stack-tag-key',
        path,
        `${name} must have a key without control characters (received ` + `${formatReceived(key)})`,
      );
    }
    if (value.length > 256) {
      context.error(
        'stack-tag-value',
        path,
        `${name} must be at most 256 characters (received ${value.length} characters)`,
      );
    } else if (CONTROL_CHARACTER.test(value)) {
      context.error(
        'stack-tag-value',
        path,
        `${name} must be a value without control characters (received ${formatReceived(value)})`,
      );
    }
  }
}
