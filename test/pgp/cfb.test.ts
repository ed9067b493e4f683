/**
 * The block-parallel AES-CFB decipher gives the same plaintext as Node's own aes-*-cfb, for every key size, from
 * chunks of any shape: empty, single octets, less than a block, across block boundaries, a partial last block.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { CfbDecipher } from '../../server/src/node/pgp/cfb';
import { prng } from '../helpers/random';

for (const bits of [128, 192, 256]) {
  test(`AES-${bits}-CFB: the same plaintext as createDecipheriv, whatever the chunks`, () => {
    const r = prng(bits);
    for (let trial = 0; trial < 60; trial++) {
      const key = randomBytes(bits / 8);
      const iv = trial % 3 === 0 ? Buffer.alloc(16) : randomBytes(16);
      const size = trial < 20 ? trial * 7 : Math.floor(r() * 200_000);
      const plain = randomBytes(size);
      const cipherText = createCipheriv(`aes-${bits}-cfb`, key, iv).update(plain);
      const want = createDecipheriv(`aes-${bits}-cfb`, key, iv).update(cipherText);
      assert.deepEqual(want, plain);
      const d = new CfbDecipher(`aes-${bits}-ecb`, key, iv);
      const out: Buffer[] = [];
      for (let at = 0; at < cipherText.length; ) {
        // Mostly small and odd chunks, now and then an empty one or a large one.
        const pick = r();
        const n = pick < 0.1 ? 0 : pick < 0.6 ? 1 + Math.floor(r() * 40) : Math.floor(r() * 70_000);
        // Unaligned views too: a chunk cut out of a larger buffer at an odd offset.
        const host = Buffer.alloc(n + 3);
        cipherText.copy(host, 3, at, at + n);
        out.push(d.update(host.subarray(3, 3 + Math.min(n, cipherText.length - at))));
        at += n;
      }
      out.push(d.final());
      assert.ok(Buffer.concat(out).equals(plain), `AES-${bits}, ${size} octets, trial ${trial}`);
    }
  });
}

test('an IV that is not one block is refused', () => {
  assert.throws(() => new CfbDecipher('aes-256-ecb', randomBytes(32), randomBytes(8)), /IV of AES has 16 octets/);
});
