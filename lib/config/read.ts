import { SettingError, SettingsError, type SettingSpec } from './spec';

export type SpecTable = Record<string, SettingSpec>;
export type SettingsOf<T extends SpecTable> = { [K in keyof T]: ReturnType<T[K]['parse']> };

/**
 * Reads and validates every setting of the table from the environment. Collects all invalid
 * values and throws one SettingsError that lists each of them.
 */
export function readSettings<T extends SpecTable>(
  table: T,
  env: NodeJS.ProcessEnv = process.env,
): SettingsOf<T> {
  const values: Record<string, unknown> = {};
  const problems: SettingError[] = [];
  for (const [key, spec] of Object.entries(table)) {
    const raw = env[spec.env] ?? spec.default;
    try {
      values[key] = spec.parse(raw);
    } catch (err) {
      problems.push(new SettingError(spec.env, raw, (err as Error).message));
    }
  }
  if (problems.length > 0) throw new SettingsError(problems);
  return values as SettingsOf<T>;
}

/** Formats settings as a Markdown table: variable, default, unit, meaning. */
export function settingsMarkdown(specs: SettingSpec[]): string {
  const rows = specs.map(
    (s) =>
      `| \`${s.env}\` | ${s.default === '' ? '(empty)' : `\`${s.default}\``} | ${s.unit} | ${s.description} |`,
  );
  return ['| variable | default | unit | meaning |', '|---|---|---|---|', ...rows].join('\n');
}

/** Formats settings for `--help`: one block per variable. */
export function settingsHelp(specs: SettingSpec[]): string {
  return specs
    .map((s) => {
      const fallback = s.default === '' ? '(empty)' : s.default;
      return `  ${s.env}  [${s.unit}, default ${fallback}]\n      ${s.description}`;
    })
    .join('\n');
}
