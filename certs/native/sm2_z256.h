// SM2 (GB/T 32918, sm2p256v1) point arithmetic on 4x64-bit limbs, for the hot paths of
// hutong_sm2: OpenSSL 3.0 has no specialised code for this curve, and its generic EC code
// spends ~300-450 us per scalar multiplication. Scalars and coordinates cross this interface
// as 32-byte big-endian strings; points as Montgomery-form affine coordinates.
#ifndef HUTONG_SM2_Z256_H
#define HUTONG_SM2_Z256_H

#include <stdint.h>

typedef struct {
  uint64_t x[4];
  uint64_t y[4];
} sm2z_affine;

// Builds the fixed-base table once per process (thread-safe; every entry point calls it too).
void sm2z_init(void);

// Decodes a 65-byte point (0x04 || x || y, or the hybrid 0x06/0x07 forms OpenSSL also takes)
// and checks that it lies on the curve. 1 on success, 0 otherwise. Variable time (public data).
int sm2z_point_decode(sm2z_affine *out, const uint8_t in[65]);

// k·G in constant time; k is reduced mod n first. Writes x (and y when y != NULL).
// Returns 0 when k ≡ 0 (mod n), leaving the outputs zero.
int sm2z_mul_base(const uint8_t k[32], uint8_t x[32], uint8_t y[32]);

// k·P in constant time for a point from sm2z_point_decode; k is reduced mod n first.
// Returns 0 when k ≡ 0 (mod n).
int sm2z_mul_point(const uint8_t k[32], const sm2z_affine *p, uint8_t x[32], uint8_t y[32]);

// u1·G + u2·Q in variable time (public scalars only: signature verification).
// Returns 0 when the result is the point at infinity.
int sm2z_mul_double_vartime(const uint8_t u1[32], const uint8_t u2[32], const sm2z_affine *q, uint8_t x[32],
                            uint8_t y[32]);

#endif
