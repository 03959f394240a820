// Stand-in for prettier, which yaml-language-server imports only for formatting. edgepolicy does not offer
// YAML formatting, so the formatter is never called; if it were, it returns the text unchanged.
export function format(text: string): string {
  return text;
}
export default { format };
