import { InvariantError } from '../../lib/errors.ts';

export const PSEUDO_PARAMETERS = new Set([
  'AWS::AccountId',
  'AWS::NotificationARNs',
  'AWS::NoValue',
  'AWS::Partition',
  'AWS::Region',
  'AWS::StackId',
  'AWS::StackName',
  'AWS::URLSuffix',
]);

export interface BrokenReference {
  /** The resource or output that refers, e.g. `Resources.Controller0`. */
  from: string;
  kind: 'Ref' | 'Fn::GetAtt' | 'Fn::Sub' | 'DependsOn';
  target: string;
}

interface TemplateShape {
  Parameters?: Record<string, unknown>;
  Resources?: Record<string, Record<string, unknown>>;
  Outputs?: Record<string, unknown>;
}

/** Every reference that names no resource, parameter or pseudo parameter, in template order. */
export function findBrokenReferences(template: object): BrokenReference[] {
  const shape = template as TemplateShape;
  const resources = new Set(Object.keys(shape.Resources ?? {}));
  const parameters = new Set(Object.keys(shape.Parameters ?? {}));
  const broken: BrokenReference[] = [];
  const check = (from: string, kind: BrokenReference['kind'], target: string, local = emptySet) => {
    if (kind === 'Fn::GetAtt' || kind === 'DependsOn') {
      if (!resources.has(target)) broken.push({ from, kind, target });
      return;
    }
    const known =
      resources.has(target) ||
      parameters.has(target) ||
      PSEUDO_PARAMETERS.has(target) ||
      local.has(target);
    if (!known) broken.push({ from, kind, target });
  };

  for (const [id, resource] of Object.entries(shape.Resources ?? {})) {
    const from = `Resources.${id}`;
    const dependsOn = resource.DependsOn;
    for (const target of dependsOn === undefined ? [] : [dependsOn].flat()) {
      check(from, 'DependsOn', String(target));
    }
    walk(resource, from, check);
  }
  for (const [id, output] of Object.entries(shape.Outputs ?? {})) {
    walk(output, `Outputs.${id}`, check);
  }

  return broken;
}

const emptySet = new Set<string>();

type Checker = (
  from: string,
  kind: BrokenReference['kind'],
  target: string,
  local?: Set<string>,
) => void;

function walk(node: unknown, from: string, check: Checker): void {
  if (Array.isArray(node)) {
    for (const item of node) walk(item, from, check);
    return;
  }
  if (node === null || typeof node !== 'object') return;

  for (const [key, value] of Object.entries(node)) {
    if (key === 'Ref' && typeof value === 'string') {
      check(from, 'Ref', value);
    } else if (key === 'Fn::GetAtt') {
      const target = Array.isArray(value) ? value[0] : String(value).split('.')[0];
      check(from, 'Fn::GetAtt', String(target));
    } else if (key === 'Fn::Sub') {
      checkSub(value, from, check);
    }
    walk(value, from, check);
  }
}

/** `${Name}` and `${Name.Attr}` in a Sub string; `${!Literal}` is an escape, not a reference. */
function checkSub(value: unknown, from: string, check: Checker): void {
  const [text, variables] = Array.isArray(value) ? value : [value, {}];
  if (typeof text !== 'string') return;
  const local = new Set(Object.keys((variables ?? {}) as object));
  for (const match of text.matchAll(/\$\{([^}]*)\}/g)) {
    const body = match[1] ?? '';
    if (body.startsWith('!')) continue;
    const dot = body.indexOf('.');
    // Pseudo parameters contain `::`, never a dot; `Name.Attr` is a GetAtt.
    if (dot > 0 && !body.startsWith('AWS::')) {
      check(from, 'Fn::GetAtt', body.slice(0, dot));
    } else {
      check(from, 'Fn::Sub', body, local);
    }
  }
}

/** Throws an InvariantError naming the referring resource and the missing target of each break. */
export function checkReferences(template: object): void {
  const broken = findBrokenReferences(template);
  if (broken.length === 0) return;

  const described = broken.map(
    (entry) => `${entry.from} ${entry.kind} must name a defined target (received ${entry.target})`,
  );
  throw new InvariantError(described.join('; '));
}
