// An unsaved edit in one open file changes the diagnostics of another file that is not open.
import * as assert from 'assert';
import { api, codeOf, diagnosticsOf, isOpen, replaceValue, revertAndClose, show } from './helpers';

const ORDERS = 'teams/orders/routes.yaml';
const PAYMENTS = 'teams/payments/routes.yaml';

describe('cross-file updates', () => {
  it('moving orders off /api/ clears the split in the unopened payments file, and reverting brings it back', async () => {
    await api();
    await diagnosticsOf(PAYMENTS, (d) => d.some((x) => codeOf(x) === 'EP200'));
    assert.strictEqual(isOpen(PAYMENTS), false, 'the payments file is not open');
    const editor = await show(ORDERS);
    try {
      await replaceValue(editor, 'prefix', '/api/', '/orders/');
      const after = await diagnosticsOf(PAYMENTS, (d) => !d.some((x) => codeOf(x) === 'EP200'), 20000);
      assert.ok(!after.some((x) => codeOf(x) === 'EP200'));
      assert.strictEqual(isOpen(PAYMENTS), false, 'payments was updated without being opened');
      await diagnosticsOf(ORDERS, (d) => !d.some((x) => codeOf(x) === 'EP200') && d.some((x) => codeOf(x) === 'EP100'), 20000);
    } finally {
      await revertAndClose(editor);
    }
    await diagnosticsOf(PAYMENTS, (d) => d.some((x) => codeOf(x) === 'EP200'), 20000);
  });
});
