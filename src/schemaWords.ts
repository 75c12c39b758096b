/** JSON Schema types and JSON values in the words the docs and messages use ("a list", "a mapping"). */

/** `"string"` → "a string"; `["string", "number"]` → "a string or a number". */
export function describeTypes(type: string | string[]): string {
  const names: Record<string, string> = { string: 'a string', number: 'a number', integer: 'an integer', boolean: 'true or false', object: 'a mapping', array: 'a list', null: 'null' };
  const list = (Array.isArray(type) ? type : [type]).map((t) => names[t] ?? t);
  return list.length <= 1 ? (list[0] ?? 'valid') : `${list.slice(0, -1).join(', ')} or ${list[list.length - 1]}`;
}

export function jsonType(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  if (typeof value === 'number') return Number.isInteger(value) ? 'an integer' : 'a number';
  if (typeof value === 'boolean') return 'a boolean';
  return `a ${typeof value}`;
}
