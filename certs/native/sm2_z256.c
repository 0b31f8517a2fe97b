// SM2 point arithmetic: see sm2_z256.h for why it exists.
//
// Field elements are 4x64-bit little-endian limbs, always fully reduced (< p), kept in Montgomery
// form (a·2^256 mod p). Because p ≡ -1 (mod 2^64), the Montgomery factor -p^-1 mod 2^64 is 1,
// so each reduction step's multiplier is simply the low limb.
//
// Point formulas (Jacobian coordinates, x = X/Z^2, y = Y/Z^3; infinity is Z = 0), all from the
// Explicit-Formulas Database (hyperelliptic.org/EFD/g1p/auto-shortw-jacobian-3.html), valid
// because SM2's a = -3:
//   doubling:       dbl-2001-b   (3M + 5S; maps Z = 0 to Z = 0, so doubling infinity is safe)
//   addition:       add-2007-bl  (11M + 5S)
//   mixed addition: madd-2007-bl (7M + 4S; second point affine)
// These addition formulas are wrong for P = Q (they give Z3 = 0) and for an input at infinity.
// The constant-time paths select around infinity with masks; the P = ±Q case cannot occur there
// (see the comments at the loops). The variable-time path branches on all cases.
//
// Constant-time paths (mul_base, mul_point) have no branches or memory indices that depend on the
// scalar: table entries are chosen by scanning every entry with a mask.
#include "sm2_z256.h"

#if defined(__GNUC__) && !defined(__clang__)
// GCC's vectoriser turns the 4-limb masked selects into SSE shuffles between general and vector
// registers, which made point doubling about twice as slow here; keep this file scalar.
#pragma GCC optimize("no-tree-vectorize")
#endif

#include <openssl/crypto.h>
#include <stdlib.h>
#include <string.h>
#include <uv.h>

typedef unsigned __int128 u128;
typedef uint64_t fe[4];

typedef struct {
  fe X, Y, Z;
} jac;

static const fe P = {0xFFFFFFFFFFFFFFFFULL, 0xFFFFFFFF00000000ULL, 0xFFFFFFFFFFFFFFFFULL, 0xFFFFFFFEFFFFFFFFULL};
static const fe N = {0x53BBF40939D54123ULL, 0x7203DF6B21C6052BULL, 0xFFFFFFFFFFFFFFFFULL, 0xFFFFFFFEFFFFFFFFULL};

// Set once by init_once(): Montgomery constants and the curve's b and G.
static fe RR;  // 2^512 mod p: to Montgomery form
static fe ONE; // 2^256 mod p: 1 in Montgomery form
static fe B_M; // b in Montgomery form
static sm2z_affine G_M;
// G_TABLE[i][j] = (j+1)·16^i·G, affine, Montgomery form: 64 windows of 4 bits, 61,440 bytes.
static sm2z_affine G_TABLE[64][15];

// --- constant-time helpers ---

// All ones when x == 0, else 0.
// The empty asm is a value barrier: the compiler cannot see through it, so it cannot turn the mask
// back into a branch on x (as BoringSSL's value_barrier_w does).
static inline uint64_t zero_mask64(uint64_t x) {
  uint64_t m = (((x | (0 - x)) >> 63) & 1) - 1;
#if defined(__GNUC__)
  __asm__("" : "+r"(m));
#endif
  return m;
}
static inline uint64_t eq_mask64(uint64_t a, uint64_t b) { return zero_mask64(a ^ b); }

static inline void fe_copy(fe r, const fe a) { memcpy(r, a, sizeof(fe)); }

// r = mask ? a : r
static inline void fe_cmov(fe r, const fe a, uint64_t mask) {
  for (int i = 0; i < 4; i++) r[i] = (r[i] & ~mask) | (a[i] & mask);
}

static inline uint64_t fe_is_zero(const fe a) { return zero_mask64(a[0] | a[1] | a[2] | a[3]); }

static inline uint64_t fe_eq(const fe a, const fe b) {
  return zero_mask64((a[0] ^ b[0]) | (a[1] ^ b[1]) | (a[2] ^ b[2]) | (a[3] ^ b[3]));
}

#if defined(__x86_64__)
// The carry-flag intrinsics compile to adc/sbb chains; the generic versions below make GCC
// materialise every carry in a register (about 5x the instructions).
#include <x86intrin.h>
#define ADC(c, a, b, out) ((c) = _addcarry_u64((c), (a), (b), (unsigned long long *)(out)))
#define SBB(c, a, b, out) ((c) = _subborrow_u64((c), (a), (b), (unsigned long long *)(out)))
typedef unsigned char carry_t;
#else
typedef uint64_t carry_t;
#define ADC(c, a, b, out)                      \
  do {                                         \
    u128 x_ = (u128)(a) + (b) + (c);           \
    *(out) = (uint64_t)x_;                     \
    (c) = (uint64_t)(x_ >> 64);                \
  } while (0)
#define SBB(c, a, b, out)                      \
  do {                                         \
    u128 x_ = (u128)(a) - (b) - (c);           \
    *(out) = (uint64_t)x_;                     \
    (c) = (uint64_t)(x_ >> 64) & 1;            \
  } while (0)
#endif

// r = (hi·2^256 + t) mod m for a value known to be < 2m (hi is 0 or 1).
static inline void reduce_once(fe r, const fe t, uint64_t hi, const fe m) {
  fe d;
  carry_t b = 0;
  SBB(b, t[0], m[0], &d[0]);
  SBB(b, t[1], m[1], &d[1]);
  SBB(b, t[2], m[2], &d[2]);
  SBB(b, t[3], m[3], &d[3]);
  // t - m went negative and there was no carry out: keep t.
  uint64_t keep = 0 - ((~hi & (uint64_t)b) & 1);
  for (int i = 0; i < 4; i++) r[i] = (t[i] & keep) | (d[i] & ~keep);
}

// --- field arithmetic mod p ---

static inline void fe_add(fe r, const fe a, const fe b) {
  fe s;
  carry_t c = 0;
  ADC(c, a[0], b[0], &s[0]);
  ADC(c, a[1], b[1], &s[1]);
  ADC(c, a[2], b[2], &s[2]);
  ADC(c, a[3], b[3], &s[3]);
  reduce_once(r, s, (uint64_t)c, P);
}

static inline void fe_sub(fe r, const fe a, const fe b) {
  fe d;
  carry_t br = 0;
  SBB(br, a[0], b[0], &d[0]);
  SBB(br, a[1], b[1], &d[1]);
  SBB(br, a[2], b[2], &d[2]);
  SBB(br, a[3], b[3], &d[3]);
  uint64_t mask = 0 - (uint64_t)br; // went negative: add p back
  carry_t c = 0;
  uint64_t out[4];
  ADC(c, d[0], P[0] & mask, &out[0]);
  ADC(c, d[1], P[1] & mask, &out[1]);
  ADC(c, d[2], P[2] & mask, &out[2]);
  ADC(c, d[3], P[3] & mask, &out[3]);
  memcpy(r, out, sizeof out);
}

// Montgomery reduction using p's form. With m = t0 (the Montgomery factor -p^-1 mod 2^64 is 1
// because p ≡ -1 mod 2^64) and p = 2^256 - 2^224 - 2^96 + 2^64 - 1, one step is
//   (t + m·p) / 2^64 = (t >> 64) + m + m·2^192 - m·2^32 - m·2^160,
// exactly, since t0 - m = 0. D = m + m·2^192 - m·2^32·(1 + 2^128) is non-negative and < 2^256,
// so a step needs no multiplication: four subtractions, then additions into the shifted t.
// Four steps reduce a 512-bit z < p^2 to z·2^-256 mod p: the running value stays below 2^513 and
// the result below 2p, so one conditional subtraction finishes it.
static inline void mont_reduce(fe r, uint64_t z[8]) {
  uint64_t top = 0;
  for (int i = 0; i < 4; i++) {
    uint64_t m = z[i], lo = m << 32, hi = m >> 32, d0, d1, d2, d3;
    carry_t br = 0;
    SBB(br, m, lo, &d0);
    SBB(br, 0, hi, &d1);
    SBB(br, 0, lo, &d2);
    SBB(br, m, hi, &d3); // no borrow out: D >= 0
    carry_t c = 0;
    ADC(c, z[i + 1], d0, &z[i + 1]);
    ADC(c, z[i + 2], d1, &z[i + 2]);
    ADC(c, z[i + 3], d2, &z[i + 3]);
    ADC(c, z[i + 4], d3, &z[i + 4]);
    for (int j = i + 5; j < 8; j++) ADC(c, z[j], 0, &z[j]);
    top += (uint64_t)c;
  }
  reduce_once(r, z + 4, top, P);
}

// Column accumulator (c0, c1, c2) += x·y, for product scanning (Comba).
#define MULACC(x, y)                           \
  do {                                         \
    u128 pr_ = (u128)(x) * (y);                \
    carry_t k_ = 0;                            \
    ADC(k_, c0, (uint64_t)pr_, &c0);           \
    ADC(k_, c1, (uint64_t)(pr_ >> 64), &c1);   \
    c2 += (uint64_t)k_;                        \
  } while (0)

#define COLUMN_OUT(dst) \
  do {                  \
    (dst) = c0;         \
    c0 = c1;            \
    c1 = c2;            \
    c2 = 0;             \
  } while (0)

// Only in optimised builds: at -O0 GCC cannot find registers for the asm's operands.
#if defined(__x86_64__) && defined(__GNUC__) && defined(__OPTIMIZE__)
// The 512-bit product with MULX and the two independent carry chains of ADCX (CF) and ADOX (OF),
// row by row (the technique of Intel's "New Instructions Supporting Large Integer Arithmetic",
// Gopal et al., 2012). About a quarter faster than the compiler's code for the Comba loop below
// (the portable path, which the tests also run with HUTONG_SM2_Z256_NO_ASM=1).
// Used only when the CPU has BMI2 and ADX (checked once in init_once).
static int have_adx = 0;

#define ADX_ROW(off, zi, zi1, zi2, zi3, zi4)                 \
  "movq " off "(%[b]), %%rdx\n\t"                            \
  "xorl %k[" zi4 "], %k[" zi4 "]\n\t" /* zi4 = 0, CF = OF = 0 */ \
  "mulxq 0(%[a]), %[lo], %[hi]\n\t"                          \
  "adcxq %[lo], %[" zi "]\n\t"                               \
  "adoxq %[hi], %[" zi1 "]\n\t"                              \
  "mulxq 8(%[a]), %[lo], %[hi]\n\t"                          \
  "adcxq %[lo], %[" zi1 "]\n\t"                              \
  "adoxq %[hi], %[" zi2 "]\n\t"                              \
  "mulxq 16(%[a]), %[lo], %[hi]\n\t"                         \
  "adcxq %[lo], %[" zi2 "]\n\t"                              \
  "adoxq %[hi], %[" zi3 "]\n\t"                              \
  "mulxq 24(%[a]), %[lo], %[hi]\n\t"                         \
  "adcxq %[lo], %[" zi3 "]\n\t"                              \
  "adoxq %[" zi4 "], %[hi]\n\t" /* hi += OF */               \
  "adcxq %[hi], %[" zi4 "]\n\t" /* zi4 = hi + CF */

static inline void mul512_adx(uint64_t z[8], const uint64_t *a, const uint64_t *b) {
  uint64_t z0, z1, z2, z3, z4, z5, z6, z7, lo, hi;
  __asm__("movq 0(%[b]), %%rdx\n\t"
          "mulxq 0(%[a]), %[z0], %[z1]\n\t"
          "mulxq 8(%[a]), %[lo], %[z2]\n\t"
          "addq %[lo], %[z1]\n\t"
          "mulxq 16(%[a]), %[lo], %[z3]\n\t"
          "adcq %[lo], %[z2]\n\t"
          "mulxq 24(%[a]), %[lo], %[z4]\n\t"
          "adcq %[lo], %[z3]\n\t"
          "adcq $0, %[z4]\n\t"
          ADX_ROW("8", "z1", "z2", "z3", "z4", "z5")
          ADX_ROW("16", "z2", "z3", "z4", "z5", "z6")
          ADX_ROW("24", "z3", "z4", "z5", "z6", "z7")
          : [z0] "=&r"(z0), [z1] "=&r"(z1), [z2] "=&r"(z2), [z3] "=&r"(z3), [z4] "=&r"(z4), [z5] "=&r"(z5),
            [z6] "=&r"(z6), [z7] "=&r"(z7), [lo] "=&r"(lo), [hi] "=&r"(hi)
          : [a] "r"(a), [b] "r"(b), "m"(*(const uint64_t(*)[4])a), "m"(*(const uint64_t(*)[4])b)
          : "rdx", "cc");
  z[0] = z0;
  z[1] = z1;
  z[2] = z2;
  z[3] = z3;
  z[4] = z4;
  z[5] = z5;
  z[6] = z6;
  z[7] = z7;
}

// a^2 as 512 bits: the six cross products a_i·a_j (i < j) once, doubled, plus the four squares.
// MULX leaves the flags alone, so the squares' carry chain runs through the multiplications.
static inline void sqr512_adx(uint64_t z[8], const uint64_t *a) {
  uint64_t z0, z1, z2, z3, z4, z5, z6, z7, lo, hi;
  __asm__("movq 0(%[a]), %%rdx\n\t"
          "mulxq 8(%[a]), %[z1], %[z2]\n\t" // a0·a1
          "mulxq 16(%[a]), %[lo], %[z3]\n\t" // a0·a2
          "addq %[lo], %[z2]\n\t"
          "mulxq 24(%[a]), %[lo], %[z4]\n\t" // a0·a3
          "adcq %[lo], %[z3]\n\t"
          "adcq $0, %[z4]\n\t"
          "movq 8(%[a]), %%rdx\n\t"
          "xorl %k[z5], %k[z5]\n\t" // z5 = 0, CF = OF = 0
          "mulxq 16(%[a]), %[lo], %[hi]\n\t" // a1·a2
          "adcxq %[lo], %[z3]\n\t"
          "adoxq %[hi], %[z4]\n\t"
          "mulxq 24(%[a]), %[lo], %[hi]\n\t" // a1·a3
          "adcxq %[lo], %[z4]\n\t"
          "adoxq %[z5], %[hi]\n\t"
          "adcxq %[hi], %[z5]\n\t"
          "movq 16(%[a]), %%rdx\n\t"
          "mulxq 24(%[a]), %[lo], %[z6]\n\t" // a2·a3
          "addq %[lo], %[z5]\n\t"
          "adcq $0, %[z6]\n\t"
          "xorl %k[z7], %k[z7]\n\t" // double the cross products
          "addq %[z1], %[z1]\n\t"
          "adcq %[z2], %[z2]\n\t"
          "adcq %[z3], %[z3]\n\t"
          "adcq %[z4], %[z4]\n\t"
          "adcq %[z5], %[z5]\n\t"
          "adcq %[z6], %[z6]\n\t"
          "adcq $0, %[z7]\n\t"
          "movq 0(%[a]), %%rdx\n\t" // plus the squares
          "mulxq %%rdx, %[z0], %[hi]\n\t"
          "addq %[hi], %[z1]\n\t"
          "movq 8(%[a]), %%rdx\n\t"
          "mulxq %%rdx, %[lo], %[hi]\n\t"
          "adcq %[lo], %[z2]\n\t"
          "adcq %[hi], %[z3]\n\t"
          "movq 16(%[a]), %%rdx\n\t"
          "mulxq %%rdx, %[lo], %[hi]\n\t"
          "adcq %[lo], %[z4]\n\t"
          "adcq %[hi], %[z5]\n\t"
          "movq 24(%[a]), %%rdx\n\t"
          "mulxq %%rdx, %[lo], %[hi]\n\t"
          "adcq %[lo], %[z6]\n\t"
          "adcq %[hi], %[z7]\n\t"
          : [z0] "=&r"(z0), [z1] "=&r"(z1), [z2] "=&r"(z2), [z3] "=&r"(z3), [z4] "=&r"(z4), [z5] "=&r"(z5),
            [z6] "=&r"(z6), [z7] "=&r"(z7), [lo] "=&r"(lo), [hi] "=&r"(hi)
          : [a] "r"(a), "m"(*(const uint64_t(*)[4])a)
          : "rdx", "cc");
  z[0] = z0;
  z[1] = z1;
  z[2] = z2;
  z[3] = z3;
  z[4] = z4;
  z[5] = z5;
  z[6] = z6;
  z[7] = z7;
}
#endif

// Montgomery multiplication a·b·2^-256 mod p: the 512-bit product by product scanning, then
// the multiplication-free reduction. Inputs < p; output reduced.
static void fe_mul(fe r, const fe a, const fe b) {
  uint64_t z[8], c0 = 0, c1 = 0, c2 = 0;
#if defined(__x86_64__) && defined(__GNUC__) && defined(__OPTIMIZE__)
  if (have_adx) {
    mul512_adx(z, a, b);
    mont_reduce(r, z);
    return;
  }
#endif
  MULACC(a[0], b[0]);
  COLUMN_OUT(z[0]);
  MULACC(a[0], b[1]);
  MULACC(a[1], b[0]);
  COLUMN_OUT(z[1]);
  MULACC(a[0], b[2]);
  MULACC(a[1], b[1]);
  MULACC(a[2], b[0]);
  COLUMN_OUT(z[2]);
  MULACC(a[0], b[3]);
  MULACC(a[1], b[2]);
  MULACC(a[2], b[1]);
  MULACC(a[3], b[0]);
  COLUMN_OUT(z[3]);
  MULACC(a[1], b[3]);
  MULACC(a[2], b[2]);
  MULACC(a[3], b[1]);
  COLUMN_OUT(z[4]);
  MULACC(a[2], b[3]);
  MULACC(a[3], b[2]);
  COLUMN_OUT(z[5]);
  MULACC(a[3], b[3]);
  COLUMN_OUT(z[6]);
  z[7] = c0;
  mont_reduce(r, z);
}

// Squaring: the six cross products once, doubled, plus the four squares.
static void fe_sqr(fe r, const fe a) {
  uint64_t x[8], z[8], c0 = 0, c1 = 0, c2 = 0;
#if defined(__x86_64__) && defined(__GNUC__) && defined(__OPTIMIZE__)
  if (have_adx) {
    sqr512_adx(z, a);
    mont_reduce(r, z);
    return;
  }
#endif
  MULACC(a[0], a[1]);
  COLUMN_OUT(x[1]);
  MULACC(a[0], a[2]);
  COLUMN_OUT(x[2]);
  MULACC(a[0], a[3]);
  MULACC(a[1], a[2]);
  COLUMN_OUT(x[3]);
  MULACC(a[1], a[3]);
  COLUMN_OUT(x[4]);
  MULACC(a[2], a[3]);
  COLUMN_OUT(x[5]);
  x[6] = c0;
  // Double the cross sum (< 2^447, so it fits in limbs 1..7), then add the squares.
  carry_t c = 0;
  x[0] = 0;
  ADC(c, x[1], x[1], &x[1]);
  ADC(c, x[2], x[2], &x[2]);
  ADC(c, x[3], x[3], &x[3]);
  ADC(c, x[4], x[4], &x[4]);
  ADC(c, x[5], x[5], &x[5]);
  ADC(c, x[6], x[6], &x[6]);
  x[7] = (uint64_t)c;
  u128 s0 = (u128)a[0] * a[0], s1 = (u128)a[1] * a[1], s2 = (u128)a[2] * a[2], s3 = (u128)a[3] * a[3];
  c = 0;
  ADC(c, x[0], (uint64_t)s0, &z[0]);
  ADC(c, x[1], (uint64_t)(s0 >> 64), &z[1]);
  ADC(c, x[2], (uint64_t)s1, &z[2]);
  ADC(c, x[3], (uint64_t)(s1 >> 64), &z[3]);
  ADC(c, x[4], (uint64_t)s2, &z[4]);
  ADC(c, x[5], (uint64_t)(s2 >> 64), &z[5]);
  ADC(c, x[6], (uint64_t)s3, &z[6]);
  ADC(c, x[7], (uint64_t)(s3 >> 64), &z[7]);
  mont_reduce(r, z);
}

// a^(p-2) = a^-1 (Fermat); the exponent is public, so its 4-bit windows may drive the loop.
// Maps 0 to 0.
static void fe_inv(fe r, const fe a) {
  fe pw[16];
  fe_copy(pw[1], a);
  for (int i = 2; i < 16; i++) fe_mul(pw[i], pw[i - 1], a);
  const fe e = {0xFFFFFFFFFFFFFFFDULL, 0xFFFFFFFF00000000ULL, 0xFFFFFFFFFFFFFFFFULL, 0xFFFFFFFEFFFFFFFFULL};
  fe acc;
  fe_copy(acc, pw[e[3] >> 60]);
  for (int i = 62; i >= 0; i--) {
    for (int s = 0; s < 4; s++) fe_sqr(acc, acc);
    unsigned w = (unsigned)(e[i / 16] >> (4 * (i % 16))) & 15;
    if (w != 0) fe_mul(acc, acc, pw[w]);
  }
  fe_copy(r, acc);
}

static void fe_from_bytes(fe r, const uint8_t in[32]) {
  for (int i = 0; i < 4; i++) {
    uint64_t v = 0;
    for (int j = 0; j < 8; j++) v = (v << 8) | in[(3 - i) * 8 + j];
    r[i] = v;
  }
}

static void fe_to_bytes(uint8_t out[32], const fe a) {
  for (int i = 0; i < 4; i++) {
    for (int j = 0; j < 8; j++) out[(3 - i) * 8 + j] = (uint8_t)(a[i] >> (56 - 8 * j));
  }
}

// a < m, variable time (public inputs only).
static int lt_vartime(const fe a, const fe m) {
  for (int i = 3; i >= 0; i--) {
    if (a[i] != m[i]) return a[i] < m[i];
  }
  return 0;
}

static inline void fe_to_mont(fe r, const fe a) { fe_mul(r, a, RR); }

static inline void fe_from_mont(fe r, const fe a) {
  const fe one = {1, 0, 0, 0};
  fe_mul(r, a, one);
}

// --- points ---

static void pt_set_inf(jac *r) {
  fe_copy(r->X, ONE);
  fe_copy(r->Y, ONE);
  memset(r->Z, 0, sizeof(fe));
}

static inline void pt_cmov(jac *r, const jac *a, uint64_t mask) {
  fe_cmov(r->X, a->X, mask);
  fe_cmov(r->Y, a->Y, mask);
  fe_cmov(r->Z, a->Z, mask);
}

// dbl-2001-b: delta = Z1^2, gamma = Y1^2, beta = X1·gamma, alpha = 3(X1-delta)(X1+delta),
// X3 = alpha^2 - 8beta, Z3 = (Y1+Z1)^2 - gamma - delta, Y3 = alpha(4beta - X3) - 8gamma^2.
static void pt_dbl(jac *r, const jac *a) {
  fe delta, gamma, beta, alpha, t1, t2, x3, y3, z3;
  fe_sqr(delta, a->Z);
  fe_sqr(gamma, a->Y);
  fe_mul(beta, a->X, gamma);
  fe_sub(t1, a->X, delta);
  fe_add(t2, a->X, delta);
  fe_mul(t1, t1, t2);
  fe_add(alpha, t1, t1);
  fe_add(alpha, alpha, t1);
  fe_sqr(x3, alpha);
  fe_add(t1, beta, beta);  // 2beta
  fe_add(t1, t1, t1);      // 4beta
  fe_add(t2, t1, t1);      // 8beta
  fe_sub(x3, x3, t2);
  fe_add(z3, a->Y, a->Z);
  fe_sqr(z3, z3);
  fe_sub(z3, z3, gamma);
  fe_sub(z3, z3, delta);
  fe_sub(t1, t1, x3);
  fe_mul(y3, alpha, t1);
  fe_sqr(t2, gamma);
  fe_add(t2, t2, t2);
  fe_add(t2, t2, t2);
  fe_add(t2, t2, t2); // 8gamma^2
  fe_sub(y3, y3, t2);
  fe_copy(r->X, x3);
  fe_copy(r->Y, y3);
  fe_copy(r->Z, z3);
}

// add-2007-bl for a, b not at infinity and a != ±b. Also reports H = U2 - U1 == 0 and
// R = S2 - S1 == 0 as masks, so callers can recognise a = b (both) and a = -b (H only).
static void pt_add_core(jac *r, const jac *a, const jac *b, uint64_t *h_zero, uint64_t *r_zero) {
  fe z1z1, z2z2, u1, u2, s1, s2, h, i, j, rr, v, x3, y3, z3, t;
  fe_sqr(z1z1, a->Z);
  fe_sqr(z2z2, b->Z);
  fe_mul(u1, a->X, z2z2);
  fe_mul(u2, b->X, z1z1);
  fe_mul(s1, a->Y, b->Z);
  fe_mul(s1, s1, z2z2);
  fe_mul(s2, b->Y, a->Z);
  fe_mul(s2, s2, z1z1);
  fe_sub(h, u2, u1);
  fe_sub(rr, s2, s1);
  *h_zero = fe_is_zero(h);
  *r_zero = fe_is_zero(rr);
  fe_add(i, h, h);
  fe_sqr(i, i);
  fe_mul(j, h, i);
  fe_add(rr, rr, rr);
  fe_mul(v, u1, i);
  fe_sqr(x3, rr);
  fe_sub(x3, x3, j);
  fe_sub(x3, x3, v);
  fe_sub(x3, x3, v);
  fe_sub(t, v, x3);
  fe_mul(y3, rr, t);
  fe_mul(t, s1, j);
  fe_add(t, t, t);
  fe_sub(y3, y3, t);
  fe_add(z3, a->Z, b->Z);
  fe_sqr(z3, z3);
  fe_sub(z3, z3, z1z1);
  fe_sub(z3, z3, z2z2);
  fe_mul(z3, z3, h);
  fe_copy(r->X, x3);
  fe_copy(r->Y, y3);
  fe_copy(r->Z, z3);
}

// madd-2007-bl: a Jacobian (not at infinity), b affine, a != ±b; masks as in pt_add_core.
static void pt_madd_core(jac *r, const jac *a, const sm2z_affine *b, uint64_t *h_zero, uint64_t *r_zero) {
  fe z1z1, u2, s2, h, hh, i, j, rr, v, x3, y3, z3, t;
  fe_sqr(z1z1, a->Z);
  fe_mul(u2, b->x, z1z1);
  fe_mul(s2, b->y, a->Z);
  fe_mul(s2, s2, z1z1);
  fe_sub(h, u2, a->X);
  fe_sub(rr, s2, a->Y);
  *h_zero = fe_is_zero(h);
  *r_zero = fe_is_zero(rr);
  fe_sqr(hh, h);
  fe_add(i, hh, hh);
  fe_add(i, i, i);
  fe_mul(j, h, i);
  fe_add(rr, rr, rr);
  fe_mul(v, a->X, i);
  fe_sqr(x3, rr);
  fe_sub(x3, x3, j);
  fe_sub(x3, x3, v);
  fe_sub(x3, x3, v);
  fe_sub(t, v, x3);
  fe_mul(y3, rr, t);
  fe_mul(t, a->Y, j);
  fe_add(t, t, t);
  fe_sub(y3, y3, t);
  fe_add(z3, a->Z, h);
  fe_sqr(z3, z3);
  fe_sub(z3, z3, z1z1);
  fe_sub(z3, z3, hh);
  fe_copy(r->X, x3);
  fe_copy(r->Y, y3);
  fe_copy(r->Z, z3);
}

// Complete addition, variable time: public points only.
static void pt_add_vartime(jac *r, const jac *a, const jac *b) {
  if (fe_is_zero(a->Z)) {
    *r = *b;
    return;
  }
  if (fe_is_zero(b->Z)) {
    *r = *a;
    return;
  }
  uint64_t hz, rz;
  jac out;
  pt_add_core(&out, a, b, &hz, &rz);
  if (hz) {
    if (rz) pt_dbl(r, a);
    else pt_set_inf(r);
    return;
  }
  *r = out;
}

static void pt_madd_vartime(jac *r, const jac *a, const sm2z_affine *b) {
  if (fe_is_zero(a->Z)) {
    fe_copy(r->X, b->x);
    fe_copy(r->Y, b->y);
    fe_copy(r->Z, ONE);
    return;
  }
  uint64_t hz, rz;
  jac out;
  pt_madd_core(&out, a, b, &hz, &rz);
  if (hz) {
    if (rz) pt_dbl(r, a);
    else pt_set_inf(r);
    return;
  }
  *r = out;
}

// Affine Montgomery coordinates of a point not at infinity (variable time in nothing secret:
// the inversion is a fixed exponentiation).
static void pt_to_affine(sm2z_affine *r, const jac *a) {
  fe zi, zi2, zi3;
  fe_inv(zi, a->Z);
  fe_sqr(zi2, zi);
  fe_mul(zi3, zi2, zi);
  fe_mul(r->x, a->X, zi2);
  fe_mul(r->y, a->Y, zi3);
}

// --- one-time set-up ---

static uv_once_t init_guard = UV_ONCE_INIT;

static void hex32(fe r, const char *hex) {
  uint8_t b[32];
  for (int i = 0; i < 32; i++) {
    unsigned v = 0;
    for (int k = 0; k < 2; k++) {
      char c = hex[2 * i + k];
      v = (v << 4) | (unsigned)(c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10);
    }
    b[i] = (uint8_t)v;
  }
  fe_from_bytes(r, b);
}

static void init_once(void) {
#if defined(__x86_64__) && defined(__GNUC__) && defined(__OPTIMIZE__)
  __builtin_cpu_init();
  have_adx = __builtin_cpu_supports("bmi2") && __builtin_cpu_supports("adx");
  // Lets the tests exercise the portable C path on a machine that has ADX.
  const char *no_asm = getenv("HUTONG_SM2_Z256_NO_ASM");
  if (no_asm != NULL && strcmp(no_asm, "1") == 0) have_adx = 0;
#endif
  // ONE = 2^256 mod p = 2^256 - p; RR = ONE · 2^256 mod p by 256 modular doublings (plain
  // integers: fe_add is just addition mod p).
  uint64_t borrow = 0;
  for (int i = 0; i < 4; i++) { // 0 - p mod 2^256 = 2^256 - p, already < p
    u128 x = (u128)0 - P[i] - borrow;
    ONE[i] = (uint64_t)x;
    borrow = (uint64_t)(x >> 64) & 1;
  }
  fe_copy(RR, ONE);
  for (int i = 0; i < 256; i++) fe_add(RR, RR, RR);
  fe t;
  hex32(t, "28E9FA9E9D9F5E344D5A9E4BCF6509A7F39789F515AB8F92DDBCBD414D940E93");
  fe_to_mont(B_M, t);
  hex32(t, "32C4AE2C1F1981195F9904466A39C9948FE30BBFF2660BE1715A4589334C74C7");
  fe_to_mont(G_M.x, t);
  hex32(t, "BC3736A2F4F6779C59BDCEE36B692153D0A9877CC62A474002DF32E52139F0A0");
  fe_to_mont(G_M.y, t);

  jac base, acc;
  fe_copy(base.X, G_M.x);
  fe_copy(base.Y, G_M.y);
  fe_copy(base.Z, ONE);
  for (int i = 0; i < 64; i++) {
    acc = base;
    pt_to_affine(&G_TABLE[i][0], &acc);
    for (int j = 1; j < 15; j++) {
      pt_add_vartime(&acc, &acc, &base);
      pt_to_affine(&G_TABLE[i][j], &acc);
    }
    for (int s = 0; s < 4; s++) pt_dbl(&base, &base);
  }
}

void sm2z_init(void) { uv_once(&init_guard, init_once); }

// --- scalars ---

// Big-endian bytes to limbs, reduced mod n in constant time (any 256-bit value is < 2n).
static void scalar_from_bytes(fe r, const uint8_t in[32]) {
  fe t;
  fe_from_bytes(t, in);
  reduce_once(r, t, 0, N);
  // OPENSSL_cleanse, not memset: a memset of a dead buffer is removed by the optimiser.
  OPENSSL_cleanse(t, sizeof t);
}

static inline unsigned nibble(const fe k, int i) { return (unsigned)(k[i >> 4] >> (4 * (i & 15))) & 15; }

static int output(const jac *a, uint8_t x[32], uint8_t y[32]) {
  int inf = (int)(fe_is_zero(a->Z) & 1);
  sm2z_affine af;
  fe t;
  pt_to_affine(&af, a);
  fe_from_mont(t, af.x);
  if (x != NULL) fe_to_bytes(x, t);
  fe_from_mont(t, af.y);
  if (y != NULL) fe_to_bytes(y, t);
  if (inf) {
    if (x != NULL) memset(x, 0, 32);
    if (y != NULL) memset(y, 0, 32);
  }
  return !inf;
}

int sm2z_point_decode(sm2z_affine *out, const uint8_t in[65]) {
  sm2z_init();
  if (in[0] != 4 && in[0] != 6 && in[0] != 7) return 0;
  fe x, y;
  fe_from_bytes(x, in + 1);
  fe_from_bytes(y, in + 33);
  if (!lt_vartime(x, P) || !lt_vartime(y, P)) return 0;
  // Hybrid form: the prefix also states y's parity (X9.62).
  if (in[0] != 4 && (int)(y[0] & 1) != (in[0] & 1)) return 0;
  fe xm, ym, lhs, rhs, t;
  fe_to_mont(xm, x);
  fe_to_mont(ym, y);
  // y^2 = x^3 - 3x + b
  fe_sqr(lhs, ym);
  fe_sqr(rhs, xm);
  fe_mul(rhs, rhs, xm);
  fe_add(t, xm, xm);
  fe_add(t, t, xm);
  fe_sub(rhs, rhs, t);
  fe_add(rhs, rhs, B_M);
  if (!fe_eq(lhs, rhs)) return 0;
  fe_copy(out->x, xm);
  fe_copy(out->y, ym);
  return 1;
}

// Fixed-base comb-like method: k = sum d_i 16^i, k·G = sum G_TABLE[i][d_i - 1], 64 mixed
// additions, no doublings. Before window i the accumulator is m·G with m < 16^i, the addend is
// d·16^i·G with 16^i <= d·16^i and m + d·16^i <= k < n, so acc = ±addend is impossible unless
// acc is at infinity (m = 0), which is masked; d = 0 (nothing to add) is masked too.
int sm2z_mul_base(const uint8_t kb[32], uint8_t x[32], uint8_t y[32]) {
  sm2z_init();
  fe k;
  scalar_from_bytes(k, kb);
  jac acc, sum;
  sm2z_affine sel;
  pt_set_inf(&acc);
  for (int i = 0; i < 64; i++) {
    unsigned d = nibble(k, i);
    memset(&sel, 0, sizeof sel);
    for (unsigned j = 0; j < 15; j++) {
      uint64_t m = eq_mask64(d, j + 1);
      fe_cmov(sel.x, G_TABLE[i][j].x, m);
      fe_cmov(sel.y, G_TABLE[i][j].y, m);
    }
    uint64_t hz, rz;
    pt_madd_core(&sum, &acc, &sel, &hz, &rz);
    uint64_t acc_inf = fe_is_zero(acc.Z);
    uint64_t d_nz = ~eq_mask64(d, 0);
    pt_cmov(&acc, &sum, ~acc_inf & d_nz);
    uint64_t take = acc_inf & d_nz;
    fe_cmov(acc.X, sel.x, take);
    fe_cmov(acc.Y, sel.y, take);
    fe_cmov(acc.Z, ONE, take);
  }
  int ok = output(&acc, x, y);
  OPENSSL_cleanse(k, sizeof k);
  OPENSSL_cleanse(&acc, sizeof acc);
  OPENSSL_cleanse(&sum, sizeof sum);
  OPENSSL_cleanse(&sel, sizeof sel);
  return ok;
}

// Fixed 4-bit windows, most significant first: acc <- 16·acc + d·P. Before the addition acc is
// 16m·P with 16m + d <= k < n and d in [1, 15]: 16m = d only when m = 0 (acc at infinity,
// masked) and 16m + d = n is out of range, so the addition formula's bad case never arises.
int sm2z_mul_point(const uint8_t kb[32], const sm2z_affine *p, uint8_t x[32], uint8_t y[32]) {
  sm2z_init();
  fe k;
  scalar_from_bytes(k, kb);
  jac table[15];
  fe_copy(table[0].X, p->x);
  fe_copy(table[0].Y, p->y);
  fe_copy(table[0].Z, ONE);
  pt_dbl(&table[1], &table[0]);
  // j·P + P with j in [2, 14] is never ±P or infinity (P has order n): the variable-time add
  // takes the generic branch every time, so it does not leak.
  for (int j = 2; j < 15; j++) pt_add_vartime(&table[j], &table[j - 1], &table[0]);
  jac acc, sum, sel;
  pt_set_inf(&acc);
  for (int i = 63; i >= 0; i--) {
    if (i != 63) {
      for (int s = 0; s < 4; s++) pt_dbl(&acc, &acc);
    }
    unsigned d = nibble(k, i);
    memset(&sel, 0, sizeof sel);
    for (unsigned j = 0; j < 15; j++) pt_cmov(&sel, &table[j], eq_mask64(d, j + 1));
    uint64_t hz, rz;
    pt_add_core(&sum, &acc, &sel, &hz, &rz);
    uint64_t acc_inf = fe_is_zero(acc.Z);
    uint64_t d_nz = ~eq_mask64(d, 0);
    pt_cmov(&acc, &sum, ~acc_inf & d_nz);
    pt_cmov(&acc, &sel, acc_inf & d_nz);
  }
  int ok = output(&acc, x, y);
  OPENSSL_cleanse(k, sizeof k);
  OPENSSL_cleanse(table, sizeof table);
  OPENSSL_cleanse(&acc, sizeof acc);
  OPENSSL_cleanse(&sum, sizeof sum);
  OPENSSL_cleanse(&sel, sizeof sel);
  return ok;
}

int sm2z_mul_double_vartime(const uint8_t u1b[32], const uint8_t u2b[32], const sm2z_affine *q, uint8_t x[32],
                            uint8_t y[32]) {
  sm2z_init();
  fe u1, u2;
  scalar_from_bytes(u1, u1b);
  scalar_from_bytes(u2, u2b);
  // u1·G from the fixed-base table, skipping zero windows.
  jac a;
  pt_set_inf(&a);
  for (int i = 0; i < 64; i++) {
    unsigned d = nibble(u1, i);
    if (d != 0) pt_madd_vartime(&a, &a, &G_TABLE[i][d - 1]);
  }
  // u2·Q by width-5 NAF (public scalar): digits odd in [-15, 15] with at least four zeros
  // between non-zero ones, so ~1/6 of the 256 positions need an addition; table of the odd
  // multiples Q, 3Q, ..., 15Q (Hankerson-Menezes-Vanstone, Guide to ECC, Alg. 3.35/3.36).
  int8_t naf[258];
  int len = 0;
  fe k;
  fe_copy(k, u2);
  while ((k[0] | k[1] | k[2] | k[3]) != 0) {
    int d = 0;
    if (k[0] & 1) {
      d = (int)(k[0] & 31);
      if (d >= 16) d -= 32;
      // k -= d (k stays below 2^256: k < n and |d| < 16)
      uint64_t addend = d < 0 ? (uint64_t)(-d) : 0, subtrahend = d > 0 ? (uint64_t)d : 0;
      carry_t c = 0;
      ADC(c, k[0], addend, &k[0]);
      ADC(c, k[1], 0, &k[1]);
      ADC(c, k[2], 0, &k[2]);
      ADC(c, k[3], 0, &k[3]);
      c = 0;
      SBB(c, k[0], subtrahend, &k[0]);
      SBB(c, k[1], 0, &k[1]);
      SBB(c, k[2], 0, &k[2]);
      SBB(c, k[3], 0, &k[3]);
    }
    naf[len++] = (int8_t)d;
    k[0] = (k[0] >> 1) | (k[1] << 63);
    k[1] = (k[1] >> 1) | (k[2] << 63);
    k[2] = (k[2] >> 1) | (k[3] << 63);
    k[3] >>= 1;
  }
  jac odd[8], twice;
  fe_copy(odd[0].X, q->x);
  fe_copy(odd[0].Y, q->y);
  fe_copy(odd[0].Z, ONE);
  pt_dbl(&twice, &odd[0]);
  for (int j = 1; j < 8; j++) pt_add_vartime(&odd[j], &odd[j - 1], &twice);
  jac b, neg;
  pt_set_inf(&b);
  for (int i = len - 1; i >= 0; i--) {
    if (!fe_is_zero(b.Z)) pt_dbl(&b, &b);
    int d = naf[i];
    if (d > 0) {
      pt_add_vartime(&b, &b, &odd[(d - 1) / 2]);
    } else if (d < 0) {
      const fe zero = {0, 0, 0, 0};
      neg = odd[(-d - 1) / 2];
      fe_sub(neg.Y, zero, neg.Y);
      pt_add_vartime(&b, &b, &neg);
    }
  }
  pt_add_vartime(&a, &a, &b);
  return output(&a, x, y);
}
