/*
 * Values the console shows or offers, kept in step with the server's (libs/domain) by a contract test
 * (apps/api/src/console/console-contract.spec.ts): the browser bundle does not import the server's libraries.
 */
export const ACTIONS = ['accept', 'tag', 'greylist', 'defer', 'hold', 'reject', 'block'] as const;
export type Action = (typeof ACTIONS)[number];

export const AUP_TEXT_FIELDS = [
  'subject',
  'body',
  'sender',
  'recipient',
  'fromHeader',
  'authUser',
  'urlHost',
  'attachmentName',
  'clientIp',
] as const;
export const AUP_TEXT_OPS = ['contains', 'equals', 'domain', 'regex'] as const;
export const AUP_NUMBER_FIELDS = ['recipientCount', 'size'] as const;

export const SENSITIVITIES = ['relaxed', 'standard', 'strict'] as const;
export type Sensitivity = (typeof SENSITIVITIES)[number];

/** Plain words for each action, as a user reads them in the list. */
export const ACTION_LABELS: Readonly<Record<Action, string>> = {
  accept: 'Delivered',
  tag: 'Junk (tagged as spam)',
  greylist: 'Delayed (greylisted)',
  defer: 'Deferred',
  hold: 'Held for review',
  reject: 'Refused',
  block: 'Blocked',
};

/** Actions that refused the message for the recipient (what "Refused for me" lists). */
export const REFUSING: readonly Action[] = ['reject', 'block'];

export const AUDIT_SUBJECTS = [
  'list_entry',
  'policy',
  'aup_rule',
  'delist_request',
  'api_key',
  'outbound_account',
  'tenant',
  'domain',
  'user',
  'quarantine',
] as const;

/** What happened to the recipient's copy (scan_recipient.disposition), in plain words. */
export const DISPOSITION_LABELS: Readonly<Record<string, string>> = {
  delivered: 'Delivered to the inbox',
  tagged: 'Delivered, filed in Junk',
  quarantined: 'Kept in quarantine (not delivered)',
  held: 'Held for review (not sent)',
  released: 'Released from quarantine and delivered',
  refused: 'Refused: the sender was told',
  deferred: 'Deferred: the sender will try again',
};
