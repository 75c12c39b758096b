/**
 * Reads a configuration document written as JSON or YAML and keeps enough of its source to say where a
 * value came from: `locate(['targets', 'nightly', 'pipeline_id'])` answers `line:column` (1-based).
 *
 * Both formats go through the `yaml` package's document API (JSON is YAML 1.2 flow syntax), which gives
 * node positions and refuses duplicate keys; `.json` files are also held to strict JSON by `JSON.parse`
 * so that a file that works here also works in every other JSON tool.
 */
import { isMap, isPair, isScalar, isSeq, LineCounter, parseDocument, type Node } from 'yaml';
import type { AppError, Result } from '../errors';
import { err, ok } from '../errors';

export type ConfigFormat = 'json' | 'yaml';

export interface SourcePosition {
  /** 1-based line. */
  line: number;
  /** 1-based column. */
  column: number;
}

export interface ConfigDocument {
  /** The file name as the user wrote it (for messages). */
  source: string;
  format: ConfigFormat;
  /** The parsed value (plain JSON data). */
  data: unknown;
  /** Where the value at `path` (or, for a mapping key, the key) starts in the file, when known. */
  locate(path: readonly (string | number)[]): SourcePosition | undefined;
}

export function formatOf(fileName: string): ConfigFormat | undefined {
  const lower = fileName.toLowerCase();
  if (lower.endsWith('.json')) return 'json';
  if (lower.endsWith('.yaml') || lower.endsWith('.yml')) return 'yaml';
  return undefined;
}

/** `file:line:column` when the position is known, else `file`. */
export function where(source: string, position: SourcePosition | undefined): string {
  return position ? `${source}:${position.line}:${position.column}` : source;
}

/**
 * Parses `text` (the contents of `source`). Syntax errors come back as `config.syntax` with the
 * line and column; every error has `source` set to the file.
 */
export function parseConfigText(text: string, source: string, format: ConfigFormat): Result<ConfigDocument, AppError> {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true, version: '1.2' });
  const position = (offset: number): SourcePosition => {
    const p = lineCounter.linePos(offset);
    return { line: p.line, column: p.col };
  };

  if (format === 'json') {
    try {
      JSON.parse(text);
    } catch (e) {
      const message = e instanceof Error ? e.message : String(e);
      // Node 20 writes "... in JSON at position N"; newer versions add "(line L column C)".
      const at = /position (\d+)/.exec(message);
      const pos = at?.[1] !== undefined ? position(Number(at[1])) : undefined;
      return err({
        code: 'config.syntax',
        source,
        message: `${where(source, pos)}: the file is not valid JSON: ${message}. Fix the syntax and restart the app.`,
      });
    }
  }

  if (doc.errors.length > 0) {
    const errors: AppError[] = doc.errors.map((e) => {
      const pos = e.pos[0] !== undefined ? position(e.pos[0]) : undefined;
      const what = e.code === 'DUPLICATE_KEY' ? 'a key appears twice in the same mapping' : e.message.split('\n')[0];
      return {
        code: e.code === 'DUPLICATE_KEY' ? 'config.duplicate_key' : 'config.syntax',
        source,
        message: `${where(source, pos)}: ${what}.`,
      };
    });
    const first = errors[0] as AppError;
    return err({
      code: first.code,
      source,
      message: `${source} is not valid ${format === 'json' ? 'JSON' : 'YAML'}: ${errors.map((e) => e.message).join(' ')} Fix it and restart the app.`,
      errors,
    });
  }

  const data: unknown = doc.toJS({ maxAliasCount: 100 });
  return ok({
    source,
    format,
    data,
    locate(path) {
      let node: unknown = doc.contents;
      let found: Node | undefined = isNodeLike(node) ? node : undefined;
      for (const segment of path) {
        if (isMap(node)) {
          const pair = node.items.find((p) => isPair(p) && isScalar(p.key) && String(p.key.value) === String(segment));
          if (!pair) return rangeStart(found, position);
          found = isNodeLike(pair.key) ? pair.key : found;
          node = pair.value;
        } else if (isSeq(node) && typeof segment === 'number') {
          const item: unknown = node.items[segment];
          if (!isNodeLike(item)) return rangeStart(found, position);
          found = item;
          node = item;
        } else {
          return rangeStart(found, position);
        }
      }
      return rangeStart(found, position);
    },
  });
}

function isNodeLike(value: unknown): value is Node {
  return typeof value === 'object' && value !== null && 'range' in value;
}

function rangeStart(node: Node | undefined, position: (offset: number) => SourcePosition): SourcePosition | undefined {
  const start = node?.range?.[0];
  return start === undefined ? undefined : position(start);
}
