// The dispatch schema served from memory to the peer (yaml-language-server used as a plain validator).
import dispatch from '../../schemas/ambassador.json';

export const dispatchSchemaUri = 'edgepolicy-bench://schemas/ambassador.json';

export function schemaTexts(): Map<string, string> {
  return new Map([[dispatchSchemaUri, JSON.stringify(dispatch)]]);
}
