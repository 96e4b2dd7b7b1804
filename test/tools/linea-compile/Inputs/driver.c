/* Calls a compiled wkv4 through its checked entry point from C: once with a
 * descriptor whose size is wrong, once correctly. */
#include "api.h"
#include <stdio.h>

int main(void) {
  static float w[16], u[16];
  static uint16_t k[2 * 8 * 16], v[2 * 8 * 16];
  linea_memref_f32_1d wd = {w, w, 0, {16}, {1}}, ud = {u, u, 0, {16}, {1}};
  linea_memref_bf16_3d kd = {k, k, 0, {2, 8, 16}, {128, 16, 1}};
  linea_memref_bf16_3d vd = {v, v, 0, {2, 8, 17}, {128, 16, 1}};
  static uint16_t y[2 * 8 * 16];
  static float s[2 * 3 * 16];
  linea_memref_bf16_3d yd = {y, y, 0, {2, 8, 16}, {128, 16, 1}};
  linea_memref_f32_3d sd = {s, s, 0, {2, 3, 16}, {48, 16, 1}};
  char error[256];
  int rc = linea_wkv4(error, sizeof error, &wd, &ud, &kd, &vd, &yd, &sd);
  printf("bad: rc=%d %s\n", rc, error);
  vd.sizes[2] = 16;
  s[2 * 16] = 1.0f;
  rc = linea_wkv4(error, sizeof error, &wd, &ud, &kd, &vd, &yd, &sd);
  /* With k = 0 everywhere the running maximum ends at 0. */
  printf("good: rc=%d pp=%g\n", rc, s[2 * 16]);
  return 0;
}
