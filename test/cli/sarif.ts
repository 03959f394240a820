// Validates SARIF logs two ways: Microsoft's SARIF Multitool (`validate`: the 2.1.0 JSON schema plus its
// SARIF rules) and ajv against the sarif-2.1.0.json schema shipped inside the same npm package.
// Ajv is there too because the Multitool silently accepts a log it cannot deserialise (e.g. a bad enum value).

import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Ajv2020 from 'ajv/dist/2020';
import addFormats from 'ajv-formats';

export interface SarifProblem {
  ruleId: string;
  level: string;
  message: string;
}

function multitoolBinary(): string {
  // The package exports the path of the platform binary (from its per-platform optional dependency).
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return require('@microsoft/sarif-multitool') as string;
}

/** Runs `Sarif.Multitool validate` on the text; returns its error and warning results. */
export function multitoolValidate(sarifText: string): SarifProblem[] {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'edgepolicy-sarif-'));
  try {
    const input = path.join(dir, 'input.sarif');
    const output = path.join(dir, 'validation.sarif');
    fs.writeFileSync(input, sarifText);
    const res = spawnSync(multitoolBinary(), ['validate', input, '--output', output, '--log', 'ForceOverwrite'], {
      encoding: 'utf8',
      timeout: 120_000,
    });
    if (res.error) throw new Error(`could not run the SARIF Multitool: ${res.error.message}`);
    if (res.status !== 0 || !fs.existsSync(output)) {
      throw new Error(`SARIF Multitool failed (exit ${res.status}): ${res.stdout}\n${res.stderr}`);
    }
    const log = JSON.parse(fs.readFileSync(output, 'utf8'));
    const run0 = log.runs[0];
    const failed = (run0.invocations ?? []).filter((i: { executionSuccessful: boolean }) => !i.executionSuccessful);
    if (failed.length > 0) throw new Error(`SARIF Multitool did not complete: ${JSON.stringify(failed)}`);
    return (run0.results ?? []).map((r: any) => ({
      ruleId: r.ruleId,
      level: r.level ?? 'warning',
      message: r.message?.text ?? `${r.message?.id} ${JSON.stringify(r.message?.arguments ?? [])}`,
    }));
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

let schemaValidator: ((data: unknown) => boolean) & { errors?: unknown } | undefined;

/** Validates against the official SARIF 2.1.0 JSON schema; returns ajv's errors (empty when valid). */
export function schemaValidate(sarif: unknown): string[] {
  if (!schemaValidator) {
    const schemaPath = path.join(path.dirname(multitoolBinary()), 'sarif-2.1.0.json');
    const schema = JSON.parse(fs.readFileSync(schemaPath, 'utf8'));
    const ajv = new Ajv2020({ allErrors: true, strict: false });
    addFormats(ajv);
    schemaValidator = ajv.compile(schema);
  }
  if (schemaValidator(sarif)) return [];
  return ((schemaValidator.errors as { instancePath: string; message?: string }[]) ?? []).map(
    (e) => `${e.instancePath} ${e.message ?? ''}`,
  );
}
