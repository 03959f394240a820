// Stand-in for prettier, which yaml-language-server imports only for its YAML formatter. edgepolicy offers no
// YAML formatting, so the formatter is never called; if it were, the text comes back unchanged.
//
// This is a directory (not a single file) because the build aliases the package name `prettier` to this path
// and esbuild applies the alias to subpaths as well: `prettier/standalone` and `prettier/plugins/*` resolve
// to the sibling modules here.
export function format(text: string): string {
  return text;
}
export default { format };
