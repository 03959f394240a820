// Preloaded (`node -r`) into a CLI run by cli.test.ts: at exit, says which of Node's TLS/HTTPS modules the run loaded.
'use strict';
process.on('exit', () => {
  const loaded = ['https', 'tls'].filter((m) => process.moduleLoadList.includes(`NativeModule ${m}`));
  process.stderr.write(`[loaded-modules] ${loaded.join(',') || 'none'}\n`);
});
