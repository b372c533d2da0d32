import { AUP_NUMBER_FIELDS, AUP_TEXT_FIELDS } from './constants';

/** One condition row of the rule editor; `value` is text in the form and becomes a number for number fields. */
export interface ConditionRow {
  field: string;
  op: string;
  value: string;
}

export interface RuleForm {
  name: string;
  description: string;
  enabled: boolean;
  score: string;
  conditions: ConditionRow[];
}

export function isNumberField(field: string): boolean {
  return (AUP_NUMBER_FIELDS as readonly string[]).includes(field);
}

export function opsFor(field: string): readonly string[] {
  return isNumberField(field) ? ['gte'] : ['contains', 'equals', 'domain', 'regex'];
}

export const FIELD_LABELS: Readonly<Record<string, string>> = {
  subject: 'Subject',
  body: 'Body text',
  sender: 'Envelope sender',
  recipient: 'A recipient',
  fromHeader: 'From header',
  authUser: 'Sending account',
  urlHost: 'A link host',
  attachmentName: 'An attachment name',
  clientIp: 'Client IP',
  recipientCount: 'Number of recipients',
  size: 'Size in bytes',
};

export const ALL_FIELDS: readonly string[] = [...AUP_TEXT_FIELDS, ...AUP_NUMBER_FIELDS];

export function emptyCondition(): ConditionRow {
  return { field: 'subject', op: 'contains', value: '' };
}

/** A field change keeps the operator valid for the new field. */
export function withField(row: ConditionRow, field: string): ConditionRow {
  const ops = opsFor(field);
  return { field, op: ops.includes(row.op) ? row.op : ops[0]!, value: row.value };
}

/** The form as the API's rule spec (numbers parsed; the server validates the rest and names every problem). */
export function toSpec(f: RuleForm): Record<string, unknown> {
  return {
    name: f.name.trim(),
    description: f.description,
    enabled: f.enabled,
    score: Number(f.score),
    conditions: f.conditions.map((c) => ({
      field: c.field,
      op: c.op,
      value: isNumberField(c.field) ? Number(c.value) : c.value,
    })),
  };
}

export function fromSpec(spec: {
  name: string;
  description: string;
  enabled: boolean;
  score: number;
  conditions: readonly { field: string; op: string; value: string | number }[];
}): RuleForm {
  return {
    name: spec.name,
    description: spec.description,
    enabled: spec.enabled,
    score: String(spec.score),
    conditions: spec.conditions.map((c) => ({ field: c.field, op: c.op, value: String(c.value) })),
  };
}
