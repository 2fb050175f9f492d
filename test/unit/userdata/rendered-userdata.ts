import { parse } from 'yaml';

export interface ParsedUserdata {
  units: { name: string; enable: boolean; command: string; content: string }[];
  files: { path: string; permissions: string; content: string; encoding?: string }[];
}

/** Reads a rendered cloud-config back into its units and files, for assertions. */
export function parseUserdata(text: string): ParsedUserdata {
  const document = parse(text) as {
    coreos: { units: ParsedUserdata['units'] };
    write_files: ParsedUserdata['files'];
  };

  return { units: document.coreos.units, files: document.write_files };
}

export function findFile(parsed: ParsedUserdata, path: string) {
  const file = parsed.files.find((candidate) => candidate.path === path);
  if (file === undefined) throw new Error(`rendered userdata has no file ${path}`);

  return file;
}
