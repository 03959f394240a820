// `prettier/plugins/yaml` stand-in: yaml-language-server only passes it to format(), which we never call.
export const languages: unknown[] = [];
