/**
 * IAM policy intelligence: a model of policy documents over the parse tree (model.ts), AWS's evaluation
 * logic (evaluate.ts), condition operators (conditions.ts) and ARNs (arn.ts). Transport-free like the engine.
 */
export {
  policyModel,
  policyOfStatement,
  type PolicyModel,
  type PolicyStatement,
  type ValueList,
  type ConditionClause,
  type PrincipalSpec,
} from './model';
export { evaluate, statementMatches, type AccessRequest, type Verdict } from './evaluate';
export {
  KNOWN_CONDITION_OPERATORS,
  parseConditionOperator,
  evaluateClause,
  conditionsHold,
  normalizeContext,
  parseNumber,
  parseDate,
  parseIp,
  parseCidr,
  patternMatches,
  type ConditionContext,
  type ParsedOperator,
  type ClauseResult,
  type NormalizedContext,
} from './conditions';
export { parseArn, arnMatches, arnLike, wildcardMatch, accountOf, type Arn } from './arn';
