// CRC-32 (IEEE 802.3, as zlib and Go's hash/crc32.ChecksumIEEE compute it).
// Delta snapshots carry the CRC-32 of the snapshot they were taken from, so
// that a client can tell a delta meant for another base.

const TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

/**
 * The CRC-32 of bytes, as an unsigned 32-bit number.
 *
 * @param {ArrayLike<number>} bytes
 * @returns {number}
 */
export function crc32(bytes) {
  let c = 0xffffffff;
  for (let i = 0; i < bytes.length; i++) c = TABLE[(c ^ bytes[i]) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}
