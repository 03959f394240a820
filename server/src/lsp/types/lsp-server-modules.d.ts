// The repo's tsconfig uses "node" module resolution, which ignores package "exports"; vscode-languageserver 10
// declares its `/node` entry point only there. This ambient module points the type checker at the same
// declaration file; esbuild bundles through "exports", so runtime resolution is unaffected.
// (client/src/types declares the protocol and jsonrpc modules the same way.)
declare module 'vscode-languageserver/node' {
  export * from 'vscode-languageserver/lib/node/main';
}
