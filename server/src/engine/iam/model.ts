/**
 * A read-only model of an IAM policy document (permission policy, bucket policy or trust policy) over the
 * jsonc-parser tree, keeping the exact node of every element for diagnostics and quick fixes. Nothing here
 * throws, whatever the tree; elements of the wrong JSON type are kept with empty value lists so checks can
 * point at them. Built once per root node (WeakMap), so every feature can call `policyModel` freely.
 */
import type { Node } from 'jsonc-parser';
import { arrayItems, objectProp, stringOf } from '../json';

/** A string or an array of strings; non-string items are skipped (their nodes are still in `node`). */
export interface ValueList {
  node: Node;
  values: string[];
  nodes: Node[];
}

export interface ConditionClause {
  /** e.g. StringEquals, ForAnyValue:StringLike, ArnLikeIfExists */
  operator: string;
  key: string;
  values: Array<string | number | boolean>;
  operatorNode: Node;
  keyNode: Node;
  valueNode: Node;
}

export interface PrincipalSpec {
  node: Node;
  /** "*" or {"AWS":"*"} */
  wildcard: boolean;
  /** AWS, Service, Federated, CanonicalUser */
  byType: Record<string, ValueList>;
}

export interface PolicyStatement {
  node: Node;
  index: number;
  sid?: string;
  sidNode?: Node;
  effect?: 'Allow' | 'Deny';
  effectNode?: Node;
  action?: ValueList;
  notAction?: ValueList;
  resource?: ValueList;
  notResource?: ValueList;
  principal?: PrincipalSpec;
  notPrincipal?: PrincipalSpec;
  conditions: ConditionClause[];
  conditionNode?: Node;
}

export interface PolicyModel {
  root?: Node;
  version?: string;
  versionNode?: Node;
  /** Statement may be one object or an array */
  statements: PolicyStatement[];
}

const cache = new WeakMap<Node, PolicyModel>();

/** The tree under `root` was edited in place (reparse.ts): its model must be read again. */
export function forgetPolicyModel(root: Node): void {
  cache.delete(root);
}
/** The policy each statement came from, for its Version (policy variables need 2012-10-17). */
const owner = new WeakMap<PolicyStatement, PolicyModel>();

export function policyModel(root: Node | undefined): PolicyModel {
  if (!root) return { statements: [] };
  const hit = cache.get(root);
  if (hit) return hit;
  const model: PolicyModel = { root, statements: [] };
  if (root.type === 'object') {
    const versionNode = objectProp(root, 'Version');
    if (versionNode) {
      model.versionNode = versionNode;
      model.version = stringOf(versionNode);
    }
    const st = objectProp(root, 'Statement');
    if (st?.type === 'object') model.statements.push(statementOf(st, 0));
    else if (st?.type === 'array') {
      arrayItems(st).forEach((item, i) => {
        if (item.type === 'object') model.statements.push(statementOf(item, i));
      });
    }
  }
  for (const s of model.statements) owner.set(s, model);
  cache.set(root, model);
  return model;
}

/** The policy that holds a statement built by `policyModel`, if any. */
export function policyOfStatement(st: PolicyStatement): PolicyModel | undefined {
  return owner.get(st);
}

function statementOf(node: Node, index: number): PolicyStatement {
  const st: PolicyStatement = { node, index, conditions: [] };
  for (const prop of node.children ?? []) {
    const keyNode = prop.children?.[0];
    const value = prop.children?.[1];
    if (!keyNode || !value) continue;
    switch (keyNode.value) {
      case 'Sid':
        st.sidNode = value;
        st.sid = stringOf(value);
        break;
      case 'Effect': {
        st.effectNode = value;
        const e = stringOf(value);
        st.effect = e === 'Allow' || e === 'Deny' ? e : undefined;
        break;
      }
      case 'Action':
        st.action = valueList(value);
        break;
      case 'NotAction':
        st.notAction = valueList(value);
        break;
      case 'Resource':
        st.resource = valueList(value);
        break;
      case 'NotResource':
        st.notResource = valueList(value);
        break;
      case 'Principal':
        st.principal = principalOf(value);
        break;
      case 'NotPrincipal':
        st.notPrincipal = principalOf(value);
        break;
      case 'Condition':
        st.conditionNode = value;
        st.conditions = conditionsOf(value);
        break;
    }
  }
  return st;
}

function valueList(node: Node): ValueList {
  const list: ValueList = { node, values: [], nodes: [] };
  const items = node.type === 'array' ? arrayItems(node) : [node];
  for (const item of items) {
    if (item.type === 'string') {
      list.values.push(item.value as string);
      list.nodes.push(item);
    }
  }
  return list;
}

function principalOf(node: Node): PrincipalSpec {
  const spec: PrincipalSpec = { node, wildcard: false, byType: {} };
  if (node.type === 'string') {
    spec.wildcard = node.value === '*';
    return spec;
  }
  if (node.type !== 'object') return spec;
  for (const prop of node.children ?? []) {
    const keyNode = prop.children?.[0];
    const value = prop.children?.[1];
    if (!keyNode || !value || typeof keyNode.value !== 'string') continue;
    spec.byType[keyNode.value] = valueList(value);
  }
  if (spec.byType.AWS?.values.includes('*')) spec.wildcard = true;
  return spec;
}

function conditionsOf(node: Node): ConditionClause[] {
  const clauses: ConditionClause[] = [];
  if (node.type !== 'object') return clauses;
  for (const opProp of node.children ?? []) {
    const operatorNode = opProp.children?.[0];
    const block = opProp.children?.[1];
    if (!operatorNode || !block || block.type !== 'object') continue;
    for (const keyProp of block.children ?? []) {
      const keyNode = keyProp.children?.[0];
      const valueNode = keyProp.children?.[1];
      if (!keyNode || !valueNode) continue;
      const values: Array<string | number | boolean> = [];
      for (const item of valueNode.type === 'array' ? arrayItems(valueNode) : [valueNode]) {
        if (item.type === 'string' || item.type === 'number' || item.type === 'boolean') values.push(item.value as string | number | boolean);
      }
      clauses.push({ operator: String(operatorNode.value), key: String(keyNode.value), values, operatorNode, keyNode, valueNode });
    }
  }
  return clauses;
}
